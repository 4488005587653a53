"""Read status from the recogniser's confidence: unread reads are kept but never matched; a hit
on a low-confidence read tells the dispatcher to verify carefully. Batched recognition."""

import datetime as dt

import pytest
from django.utils import timezone

from cameras.models import Frame, FrameStatus, Hit, HotlistSource, Read
from cameras.selectors import hit_payloads
from cameras.services import (
    frame_ingest,
    frame_recognize_batch,
    hotlist_create,
    hotlist_entry_add,
    queued_frame_ids,
    reads_match,
    reads_match_pending,
)
from portal.roles import Role
from tests.cameras.conftest import jpeg_of
from tests.factories import CameraFactory, city_user
from tests.recognition.synth import car_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen Civic")
    return hotlist


def _read(city, status, confidence):
    return Read.all_cities.create(
        city=city,
        camera=CameraFactory(city=city),
        source="frame",
        plate="ABC1234",
        confidence=confidence,
        read_status=status,
        captured_at=timezone.now(),
    )


def test_an_unread_read_is_kept_but_never_matched(city_a, listed):
    unread = _read(city_a, "unread", 0.03)
    assert reads_match(city=city_a, read_ids=[unread.pk]) == []
    unread.refresh_from_db()
    assert unread.matched_at is not None  # the sweeper does not pick it up again
    Read.all_cities.filter(pk=unread.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    assert reads_match_pending() == 0
    assert not Hit.all_cities.exists()


def test_a_hit_on_a_low_confidence_read_says_verify_carefully(city_a, listed):
    unsure = _read(city_a, "verify", 0.4)
    sure = _read(city_a, "read", 0.97)
    hits = reads_match(city=city_a, read_ids=[unsure.pk, sure.pk])
    payloads = {p["confidence"]: p for p in hit_payloads(city=city_a, hit_ids=[h.pk for h in hits])}
    assert payloads[0.4]["verify_carefully"] is True
    assert payloads[0.97]["verify_carefully"] is False


def test_frames_are_recognised_in_one_batch(camera_with_key, private_storage_dir):
    camera, _ = camera_with_key
    texts = ["ABC1234", "7XYZ482"]
    frames = []
    for i, text in enumerate(texts):
        image, _ = car_scene(text, (40, 40, 180), plate_width=200)
        frame, _ = frame_ingest(
            camera=camera, data=jpeg_of(image), captured_at=timezone.now() - dt.timedelta(seconds=i + 1)
        )
        frames.append(frame)
    empty, _ = frame_ingest(camera=camera, data=jpeg_of(car_scene(None)[0]), captured_at=timezone.now())
    Frame.all_cities.update(received_at=timezone.now() - dt.timedelta(seconds=10))
    waiting = queued_frame_ids(exclude=frames[0].pk, limit=7)
    assert set(waiting) == {frames[1].pk, empty.pk}
    statuses = frame_recognize_batch(frame_ids=[frames[0].pk, *waiting])
    assert set(statuses.values()) == {FrameStatus.DONE}
    for frame, text in zip(frames, texts, strict=True):
        read = Read.all_cities.get(frame=frame)
        assert read.plate == text and read.read_status in ("read", "verify")
    assert not Read.all_cities.filter(frame=empty).exists()
    # a second batch finds them done and stores nothing new
    assert set(frame_recognize_batch(frame_ids=[f.pk for f in frames]).values()) == {FrameStatus.DONE}
    assert Read.all_cities.count() == 2
    assert queued_frame_ids(exclude=0, limit=7) == []
