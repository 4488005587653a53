"""Camera use cases: keys, frame and read ingest, recognition."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from audits.events import EventType
from audits.models import Outcome
from audits.services import audit_record
from cameras.images import CheckedImage, check_image
from cameras.models import (
    API_KEY_PREFIX_LENGTH,
    Camera,
    CameraEdge,
    CameraStatus,
    Frame,
    FrameStatus,
    Read,
    ReadSource,
    ReadStatus,
    confusion_key,
    hash_api_key,
    private_storage,
)
from cameras.readinput import DeviceRead, check_crop  # noqa: F401  (check_crop: re-exported for apis)
from cameras.services.health import camera_note_reads
from cameras.services.hotlists import plate_keys_listed, reads_match
from portal.models import City, User
from portal.rls import system_scope
from portal.tenancy import city_scope

logger = logging.getLogger(__name__)

MAX_RECOGNITION_ATTEMPTS = 3


class IngestRejected(ValueError):
    def __init__(self, message: str, *, code: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


# --- cameras and keys -----------------------------------------------------------------------------


def _new_api_key() -> tuple[str, str]:
    prefix = secrets.token_hex(API_KEY_PREFIX_LENGTH // 2)
    return prefix, f"stw_{prefix}_{secrets.token_urlsafe(32)}"


def parse_api_key_prefix(key: str) -> str | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "stw" or len(parts[1]) != API_KEY_PREFIX_LENGTH:
        return None
    return parts[1]


def camera_create(
    *, city: City, by: User, name: str, latitude, longitude, heading: int = 0, request=None
) -> tuple[Camera, str]:
    """Create a camera with its first API key. The key is returned once and never stored."""
    prefix, key = _new_api_key()
    with transaction.atomic(), city_scope(city):
        camera = Camera.objects.create(
            name=name,
            latitude=latitude,
            longitude=longitude,
            heading=heading,
            api_key_prefix=prefix,
            api_key_hash=hash_api_key(key),
            api_key_issued_at=timezone.now(),
        )
        audit_record(
            event_type=EventType.CAMERA_CREATED,
            city=city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={
                "name": name,
                "latitude": str(latitude),
                "longitude": str(longitude),
                "key_prefix": prefix,
            },
            request=request,
        )
    return camera, key


def camera_rotate_key(*, camera: Camera, by: User, request=None) -> str:
    """Issue a new key; the old one stops working when this commits."""
    prefix, key = _new_api_key()
    with transaction.atomic():
        old_prefix = camera.api_key_prefix
        camera.api_key_prefix, camera.api_key_hash = prefix, hash_api_key(key)
        camera.api_key_issued_at = timezone.now()
        camera.save(update_fields=["api_key_prefix", "api_key_hash", "api_key_issued_at"])
        audit_record(
            event_type=EventType.CAMERA_KEY_ROTATED,
            city=camera.city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={"old_prefix": old_prefix, "new_prefix": prefix},
            request=request,
        )
    return key


def _clear_api_key(camera: Camera, *extra_fields: str) -> str:
    """Remove the camera's key (and save ``extra_fields``); returns the old prefix."""
    old_prefix = camera.api_key_prefix
    camera.api_key_prefix, camera.api_key_hash, camera.api_key_issued_at = "", "", None
    camera.save(update_fields=["api_key_prefix", "api_key_hash", "api_key_issued_at", *extra_fields])
    return old_prefix


def camera_revoke_key(*, camera: Camera, by: User, request=None) -> None:
    with transaction.atomic():
        old_prefix = _clear_api_key(camera)
        audit_record(
            event_type=EventType.CAMERA_KEY_REVOKED,
            city=camera.city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={"old_prefix": old_prefix},
            request=request,
        )


def camera_for_api_key(key: str) -> Camera | None:
    """The camera a key belongs to, in whichever city: the key itself says which camera it is."""
    prefix = parse_api_key_prefix(key)
    if prefix is None:
        return None
    for camera in Camera.all_cities.select_related("city").filter(api_key_prefix=prefix):
        if camera.api_key_matches(key):
            return camera
    return None


def upload_refusal_record(
    *, city: City, camera_public_id: str, code: str, message: str, request=None, camera: Camera | None = None
) -> None:
    """Every refused upload leaves an audit entry (and nothing else)."""
    audit_record(
        event_type=EventType.CAMERA_UPLOAD_REFUSED,
        city=city,
        target_type="camera",
        target_id=str(camera_public_id),
        details={
            "code": code,
            "message": message[:300],
            "key_camera": str(camera.public_id) if camera else "",
        },
        outcome=Outcome.DENIED,
        request=request,
    )


# --- frames -------------------------------------------------------------------------------------


def _check_capture_time(camera: Camera, captured_at: dt.datetime) -> None:
    now = timezone.now()
    if captured_at > now + dt.timedelta(seconds=settings.STEWARD_CAPTURE_CLOCK_SKEW_SECONDS):
        raise IngestRejected("The capture time is in the future; check the camera's clock.", code="future")
    if captured_at < now - dt.timedelta(days=camera.city.retention_days):
        raise IngestRejected(
            "The capture time is older than the city's retention period "
            f"({camera.city.retention_days} days).",
            code="expired",
        )


RECOGNIZE_FRAME_TASK = "cameras.tasks.recognize_frame"


# One quick retry when the broker does not answer, not Celery's default three: an upload whose
# task cannot be sent is answered all the same and its frame left to the sweeper.
_PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# What a send raises when the broker is unreachable: kombu wraps the transport's connection errors
# (redis-py's included) in its OperationalError; a bare socket error is an OSError.
BROKER_UNAVAILABLE = (KombuOperationalError, OSError)

UNSENT_BATCH = 500
UNSENT_MAX_BATCHES = 20


def _send_recognition(frame_id: int) -> bool:
    """Send the frame's recognition task; ``False`` when the broker cannot take it."""
    # By name from the Celery app's registry, so that the services never import the tasks that
    # call them (tasks -> services only); ``apply_async`` keeps the routing and the eager mode.
    task = current_app.tasks[RECOGNIZE_FRAME_TASK]
    if current_app.conf.task_always_eager:  # no broker: whatever it raises is the task's own
        task.delay(frame_id)
        return True
    try:
        task.apply_async((frame_id,), retry=True, retry_policy=_PUBLISH_RETRY)
    except BROKER_UNAVAILABLE as error:
        logger.warning("recognition of frame %s not sent, the broker is unavailable: %s", frame_id, error)
        return False
    return True


def _enqueue_recognition(frame_id: int) -> None:
    """After a frame commits: send its task, or mark it ``unsent`` when the broker is down (the
    upload is answered all the same; :func:`frames_requeue_unsent` sends it later)."""
    if not _send_recognition(frame_id):
        Frame.all_cities.filter(pk=frame_id, status=FrameStatus.QUEUED).update(unsent=True)


def frames_requeue_unsent(*, batch_size: int = UNSENT_BATCH, max_batches: int = UNSENT_MAX_BATCHES) -> int:
    """Send the recognition task of frames marked ``unsent``, oldest first, in batches of
    ``batch_size`` (at most ``max_batches`` a run); returns how many were sent.

    Each batch is one transaction: its rows are claimed with ``FOR UPDATE SKIP LOCKED`` (a second
    sweeper running at once takes other rows or none), the tasks are sent, and the flag is cleared
    only for the frames sent (and for any no longer queued, which need none). The first send that
    fails stops the run and leaves the rest of its batch marked. A run killed half-way rolls back
    and leaves its batch marked: a frame may be sent twice, never not at all; recognising a frame
    twice stores its reads once (:func:`frame_recognize`). Frames of every city: the system scope.
    """
    sent = 0
    with system_scope():
        for _ in range(max_batches):
            with transaction.atomic():
                claimed = list(
                    Frame.all_cities.select_for_update(skip_locked=True)
                    .filter(unsent=True)
                    .order_by("received_at")
                    .values_list("pk", "status")[:batch_size]
                )
                cleared = [pk for pk, status in claimed if status != FrameStatus.QUEUED]
                broker_down = False
                for pk, status in claimed:
                    if status != FrameStatus.QUEUED:
                        continue
                    if not _send_recognition(pk):
                        broker_down = True
                        break
                    cleared.append(pk)
                    sent += 1
                if cleared:
                    Frame.all_cities.filter(pk__in=cleared).update(unsent=False)
            if broker_down or len(claimed) < batch_size:
                break
    if sent:
        logger.info("sent the recognition of %d frames stored while the broker was down", sent)
    return sent


def frame_ingest(*, camera: Camera, data: bytes, captured_at: dt.datetime) -> tuple[Frame, bool]:
    """Check and store one uploaded frame and queue its recognition (on commit).

    Returns ``(frame, created)``. The same frame sent again (same camera, capture time and
    content) returns the stored one. Rejected input raises ``ImageRejected``/``IngestRejected`` and
    leaves no row and no file.
    """
    if not camera.accepts_uploads():
        raise IngestRejected("This camera is retired or has no API key.", code="camera_inactive", status=403)
    _check_capture_time(camera, captured_at)
    checked: CheckedImage = check_image(data)
    with city_scope(camera.city):
        existing = Frame.objects.filter(
            camera=camera, captured_at=captured_at, content_sha256=checked.sha256
        ).first()
        if existing is not None:
            return existing, False
        storage = private_storage()
        stored_name = storage.save(
            f"frames/{camera.city.public_id.hex}/{captured_at:%Y/%m/%d}/{checked.sha256}.{checked.extension}",
            ContentFile(checked.data),
        )
        try:
            with transaction.atomic():
                frame = Frame.objects.create(
                    camera=camera,
                    captured_at=captured_at,
                    content_sha256=checked.sha256,
                    content_type=checked.content_type,
                    image=stored_name,
                    width=checked.width,
                    height=checked.height,
                    size_bytes=len(checked.data),
                )
                transaction.on_commit(lambda: _enqueue_recognition(frame.pk))
        except IntegrityError:
            # The same frame arrived twice at once: the other request stored it.
            storage.delete(stored_name)
            return Frame.objects.get(
                camera=camera, captured_at=captured_at, content_sha256=checked.sha256
            ), False
        except BaseException:
            storage.delete(stored_name)
            raise
    return frame, True


# --- reads recognised on the device -----------------------------------------------------------------


@dataclass(frozen=True)
class ReadBatchResult:
    created: int
    duplicates: int


def reads_ingest_from_device(*, camera: Camera, reads: Sequence[DeviceRead]) -> ReadBatchResult:
    """Store a validated batch of device reads in one transaction; reads already stored are skipped."""
    if not camera.accepts_uploads():
        raise IngestRejected("This camera is retired or has no API key.", code="camera_inactive", status=403)
    if len(reads) > settings.STEWARD_MAX_READS_PER_BATCH:
        raise IngestRejected(
            f"At most {settings.STEWARD_MAX_READS_PER_BATCH} reads per request.", code="too_many"
        )
    for read in reads:
        _check_capture_time(camera, read.captured_at)
    with city_scope(camera.city):
        # On PostgreSQL the insert itself skips reads already stored (ON CONFLICT DO NOTHING on the
        # unique (camera, captured_at, plate) index): no look-up whose plan depends on fresh statistics.
        seen: set[tuple[dt.datetime, str]] = (
            set()
            if connection.vendor == "postgresql"
            else set(
                Read.objects.filter(
                    camera=camera,
                    source=ReadSource.DEVICE,
                    captured_at__in={read.captured_at for read in reads},
                ).values_list("captured_at", "plate")
            )
        )
        event_ids = {read.event_id for read in reads if read.event_id}
        seen_events: set[str] = (
            set(
                Read.objects.filter(camera=camera, device_event_id__in=event_ids).values_list(
                    "device_event_id", flat=True
                )
            )
            if event_ids
            else set()
        )
        new: list[DeviceRead] = []
        for read in reads:
            key = (read.captured_at, read.plate)
            if key not in seen and not (read.event_id and read.event_id in seen_events):
                seen.add(key)
                if read.event_id:
                    seen_events.add(read.event_id)
                new.append(read)
        storage = private_storage()
        stored: list[str] = []
        try:
            crops: list[str] = []
            for read in new:
                crop_name = ""
                if read.crop is not None:
                    crop_name = storage.save(
                        f"crops/{camera.city.public_id.hex}/{read.captured_at:%Y/%m/%d}/{read.crop.sha256}."
                        f"{read.crop.extension}",
                        ContentFile(read.crop.data),
                    )
                    stored.append(crop_name)
                crops.append(crop_name)
            with transaction.atomic():
                now = timezone.now()
                # Matching, first half: which plates some active entry lists (one query). The rest
                # are stored already matched; only these are matched after the commit.
                listed = plate_keys_listed(city=camera.city, plates={read.plate for read in new}, now=now)
                inserted = _device_reads_insert(camera=camera, reads=new, crops=crops, listed=listed, now=now)
                if inserted:
                    camera_note_reads(camera=camera, latest=now)
                to_match = [read_id for read_id, _, _, unmatched in inserted if unmatched]
                transaction.on_commit(lambda: _reads_stored(camera.city, to_match))
        except IntegrityError as error:
            for name in stored:
                storage.delete(name)
            raise IngestRejected(
                "Some of these reads were stored by a concurrent request; send the batch again.",
                code="conflict",
                status=409,
            ) from error
        except BaseException:
            for name in stored:
                storage.delete(name)
            raise
    if len(inserted) < len(new):  # some were stored already (by an earlier or a concurrent request)
        # After the commit and outside the clean-up above, which must never touch a stored read's crop.
        kept = {(moment, plate) for _, moment, plate, _ in inserted}
        for read, crop in zip(new, crops, strict=True):
            if crop and (read.captured_at, read.plate) not in kept:
                storage.delete(crop)
    return ReadBatchResult(created=len(inserted), duplicates=len(reads) - len(inserted))


_DEVICE_READS_INSERT = """
    INSERT INTO cameras_read (public_id, city_id, camera_id, position, source, captured_at, plate, raw_text,
                              confidence, read_status, crop, vehicle_colour, device_event_id, region,
                              candidates, evidence_case_number, created_at, matched_at)
    SELECT gen_random_uuid(), %(city)s, %(camera)s, 0, %(source)s, t.captured_at, t.plate, t.raw_text,
           t.confidence, %(status)s, t.crop, t.colour, t.event_id, t.region, t.candidates, '',
           %(now)s, t.matched_at
    FROM json_to_recordset(%(reads)s::json)
         AS t(captured_at timestamptz, plate text, raw_text text, confidence float8, crop text, colour text,
              event_id text, region text, candidates jsonb, matched_at timestamptz)
    ON CONFLICT DO NOTHING
    RETURNING id, captured_at, plate, matched_at IS NULL
"""


def _device_reads_insert(
    *, camera: Camera, reads: Sequence[DeviceRead], crops: Sequence[str], listed: set[str], now: dt.datetime
) -> list[tuple[int, dt.datetime, str, bool]]:
    """Store checked device reads with one statement (inside the caller's transaction); returns
    ``(id, captured_at, plate, to_match)`` for each read stored, ``to_match`` when its plate is
    listed (matched after the commit; the others are stored matched). Reads already stored are
    skipped.

    On PostgreSQL one ``INSERT ... SELECT FROM json_to_recordset(...) ON CONFLICT DO NOTHING``: a statement
    of fixed size whatever the batch, no per-row SQL compiled in Python, and each read written
    once (a read stored unmatched then marked matched would be written twice, with every index of
    its month).
    """
    if not reads:
        return []
    keys_listed = [confusion_key(read.plate) in listed for read in reads]
    if connection.vendor != "postgresql":
        rows = [
            Read(
                city=camera.city,
                camera=camera,
                source=ReadSource.DEVICE,
                captured_at=read.captured_at,
                plate=read.plate,
                raw_text=read.raw_text,
                confidence=read.confidence,
                crop=crop,
                vehicle_colour=read.vehicle_colour,
                device_event_id=read.event_id,
                region=read.region,
                candidates=list(read.candidates),
                matched_at=None if is_listed else now,
            )
            for read, crop, is_listed in zip(reads, crops, keys_listed, strict=True)
        ]
        created = Read.objects.bulk_create(rows)
        return [(row.pk, row.captured_at, row.plate, row.matched_at is None) for row in created]
    with connection.cursor() as cursor:
        cursor.execute(
            _DEVICE_READS_INSERT,
            {
                "city": camera.city_id,
                "camera": camera.pk,
                "source": ReadSource.DEVICE.value,
                "status": ReadStatus.READ.value,
                "now": now,
                # The batch as one JSON text, read back into rows by PostgreSQL: the driver quotes one
                # string instead of building ten arrays of the batch's size value by value in Python
                # (a fifth of a 500-read request's time in Daphne, docs/benchmarks.md).
                "reads": json.dumps(
                    [
                        {
                            "captured_at": read.captured_at.isoformat(),
                            "plate": read.plate,
                            "raw_text": read.raw_text,
                            "confidence": float(read.confidence),
                            "crop": crop,
                            "colour": read.vehicle_colour,
                            "event_id": read.event_id,
                            "region": read.region,
                            "candidates": list(read.candidates),
                            "matched_at": None if is_listed else now.isoformat(),
                        }
                        for read, crop, is_listed in zip(reads, crops, keys_listed, strict=True)
                    ]
                ),
            },
        )
        return [
            (read_id, moment, plate, unmatched) for read_id, moment, plate, unmatched in cursor.fetchall()
        ]


def _reads_stored(city: City, read_ids: list[int]) -> None:
    """After reads commit: match them against the hotlists at once, so a hit reaches dispatchers
    without waiting in a queue (two indexed queries; device batches pass only their listed reads). If matching fails, the reads are stored all
    the same and the every-minute sweeper (``reads_match_pending``) matches them."""
    if not read_ids:
        return
    try:
        reads_match(city=city, read_ids=read_ids)
    except Exception:
        logger.exception(
            "hotlist matching failed for %d reads of %s; the sweeper will retry", len(read_ids), city.slug
        )


# --- recognition ------------------------------------------------------------------------------------


class RecognitionTransientError(RuntimeError):
    """Worth another try later (the model or storage hiccuped); not the frame's fault."""


def recognizer_for(city: City):
    from cameras.recognition import RecognizerConfig, get_recognizer

    options = {**settings.STEWARD_RECOGNITION, **settings.STEWARD_RECOGNITION_BY_CITY.get(city.slug, {})}
    return get_recognizer(RecognizerConfig(**{k: v for k, v in options.items() if v is not None}))


def _mark_failed(frame: Frame, reason: str) -> None:
    Frame.all_cities.filter(pk=frame.pk, status=FrameStatus.QUEUED).update(
        status=FrameStatus.FAILED, failure_reason=reason[:300], processed_at=timezone.now()
    )


def _frame_for_recognition(frame_id: int):
    """``(frame, image)`` for a queued frame, or ``(status, None)`` when there is nothing to do
    (gone, already done, or undecodable: then marked failed)."""
    from cameras.recognition import ImageDecodeError, decode_image

    frame = Frame.all_cities.select_related("city", "camera").filter(pk=frame_id).first()
    if frame is None or frame.status != FrameStatus.QUEUED:
        return (None if frame is None else frame.status), None
    Frame.all_cities.filter(pk=frame.pk).update(attempts=F("attempts") + 1)
    try:
        with private_storage().open(frame.image.name, "rb") as handle:
            return frame, decode_image(handle.read())
    except FileNotFoundError:
        _mark_failed(frame, "The stored image file is missing.")
    except ImageDecodeError as error:
        _mark_failed(frame, f"The image could not be decoded: {error}")
    return FrameStatus.FAILED, None


def _recognition_failed(frame: Frame, error: Exception) -> FrameStatus:
    if frame.attempts + 1 >= MAX_RECOGNITION_ATTEMPTS:
        _mark_failed(
            frame, f"Recognition failed {MAX_RECOGNITION_ATTEMPTS} times: {type(error).__name__}: {error}"
        )
        return FrameStatus.FAILED
    raise RecognitionTransientError(str(error)) from error


def frame_recognize(*, frame_id: int) -> FrameStatus | None:
    """Recognise one queued frame and store its reads. Safe to run twice, or after a killed run.

    Reads and the frame's new status commit together, under a lock on the frame row, and only while
    the frame is still queued: a second run finds it done and stores nothing. A frame that cannot be
    decoded is marked failed with the reason; other errors are retried up to a cap.
    """
    frame, image = _frame_for_recognition(frame_id)
    if image is None:
        return frame
    try:
        readings = recognizer_for(frame.city).recognize(image)
    except Exception as error:
        return _recognition_failed(frame, error)
    return _store_frame_reads(frame, readings)


def frame_recognize_batch(*, frame_ids: Sequence[int]) -> dict[int, FrameStatus | None]:
    """Recognise several queued frames with one detector and recogniser pass per city (a deep
    queue); each frame's reads commit on their own as in :func:`frame_recognize`. A batch that
    fails as a whole is retried frame by frame, so one bad frame does not fail the others."""
    statuses: dict[int, FrameStatus | None] = {}
    loaded: dict[int, list[tuple[Frame, object]]] = {}
    for frame_id in dict.fromkeys(frame_ids):
        frame, image = _frame_for_recognition(frame_id)
        if image is None:
            statuses[frame_id] = frame
        else:
            loaded.setdefault(frame.city_id, []).append((frame, image))
    for group in loaded.values():
        frames = [f for f, _ in group]
        try:
            results = recognizer_for(frames[0].city).recognize_batch([im for _, im in group])
        except Exception:
            logger.exception("batched recognition failed; recognising %d frames one by one", len(frames))
            for frame in frames:
                Frame.all_cities.filter(pk=frame.pk).update(attempts=F("attempts") - 1)
                statuses[frame.pk] = frame_recognize(frame_id=frame.pk)
            continue
        for frame, readings in zip(frames, results, strict=True):
            statuses[frame.pk] = _store_frame_reads(frame, readings)
    return statuses


def queued_frame_ids(
    *, exclude: int, limit: int, older_than: dt.timedelta = dt.timedelta(seconds=2)
) -> list[int]:
    """Frames waiting longer than ``older_than`` (the queue is behind), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        Frame.all_cities.filter(status=FrameStatus.QUEUED, received_at__lt=cutoff)
        .exclude(pk=exclude)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def _store_frame_reads(frame: Frame, readings) -> FrameStatus:
    storage = private_storage()
    crop_names: list[str] = []
    for position, reading in enumerate(readings):
        name = ""
        if reading.crop_jpeg:
            # Deterministic names: a second run writes the same files instead of new ones.
            name = f"crops/{frame.city.public_id.hex}/{frame.public_id.hex}-{position}.jpg"
            if storage.exists(name):
                storage.delete(name)
            name = storage.save(name, ContentFile(reading.crop_jpeg))
        crop_names.append(name)

    with city_scope(frame.city), transaction.atomic():
        locked = Frame.objects.select_for_update().get(pk=frame.pk)
        if locked.status != FrameStatus.QUEUED:
            return locked.status
        created = Read.objects.bulk_create(
            [
                Read(
                    camera=frame.camera,
                    city=frame.city,
                    frame=frame,
                    position=position,
                    source=ReadSource.FRAME,
                    captured_at=frame.captured_at,
                    plate=reading.plate,
                    raw_text=reading.raw_text[:64],
                    confidence=max(0.0, min(1.0, float(reading.confidence))),
                    read_status=getattr(reading, "status", "read"),
                    box_x=reading.box[0],
                    box_y=reading.box[1],
                    box_width=reading.box[2],
                    box_height=reading.box[3],
                    crop=crop_names[position],
                    vehicle_colour=reading.vehicle_colour if reading.vehicle_colour != "unknown" else "",
                )
                for position, reading in enumerate(readings)
                if reading.plate
            ]
        )
        camera_note_reads(camera=frame.camera, latest=frame.received_at)
        locked.status, locked.processed_at, locked.failure_reason = FrameStatus.DONE, timezone.now(), ""
        locked.save(update_fields=["status", "processed_at", "failure_reason"])
        ids = [row.pk for row in created]
        transaction.on_commit(lambda: _reads_stored(frame.city, ids))
    return FrameStatus.DONE


def camera_retire(*, camera: Camera, by: User, request=None) -> None:
    """Cameras are retired, never deleted: their reads stay until retention removes them."""
    with transaction.atomic():
        camera.status = CameraStatus.RETIRED
        old_prefix = _clear_api_key(camera, "status")
        CameraEdge.all_cities.filter(camera=camera).update(
            webhook_token_hash="", webhook_token_hint="", webhook_token_issued_at=None
        )
        audit_record(
            event_type=EventType.CAMERA_RETIRED,
            city=camera.city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={"old_prefix": old_prefix},
            request=request,
        )
