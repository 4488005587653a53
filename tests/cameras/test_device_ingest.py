"""Edge device formats over HTTP: each documented payload kind stores reads (with candidates,
confidence, region and crop), makes hits on commit, updates health; every malformed or foreign
payload gets a 4xx naming the field, an audit entry, and stores nothing."""

import base64
import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from PIL import Image

from audits.models import AuditEvent
from cameras import selectors
from cameras.models import CameraHeartbeat, Hit, HotlistSource, Read, private_storage
from cameras.services import (
    camera_create,
    camera_revoke_key,
    camera_webhook_token_issue,
    camera_webhook_token_revoke,
    hotlist_create,
    hotlist_entry_add,
)
from portal.roles import Role
from tests.cameras.conftest import jpeg_of, stored_files
from tests.cameras.device_payloads import (
    alpr_group,
    alpr_heartbeat,
    alpr_results,
    axis_event,
    pr_snapshot,
    pr_stream,
)
from tests.factories import city_user
from tests.recognition.synth import car_scene

pytestmark = pytest.mark.django_db


def url(city, camera, device_format, token=None):
    base = f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/devices/{device_format}/"
    return f"{base}{token}/" if token else base


def post_json(client, target, body, key=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Camera {key}"} if key else {}
    return client.post(target, data=json.dumps(body), content_type="application/json", **headers, **extra)


def post_multipart(client, target, fields, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Camera {key}"} if key else {}
    return client.post(target, fields, **headers)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=123000) - dt.timedelta(seconds=5)


@pytest.fixture
def crop_jpeg():
    image, (x, y, w, h) = car_scene("6PK132")
    return jpeg_of(image[y : y + h, x : x + w])


@pytest.fixture
def scene():
    image, box = car_scene("P29VGF")
    return jpeg_of(image), box


@pytest.fixture
def listed(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    for plate in ("6PK132", "AE1T3E", "9JUB11", "P29VGF", "RZ3832H"):
        hotlist_entry_add(hotlist=hotlist, by=clerk, plate=plate, state="WA", reason="stolen vehicle")
    return hotlist


def refusals():
    return list(AuditEvent.objects.filter(event_type="camera.upload_refused").order_by("pk"))


# --- OpenALPR / Rekor Scout agent ----------------------------------------------------------------


def test_alpr_group_stores_the_best_plate_with_candidates_region_crop_and_makes_a_hit(
    client,
    city_a,
    camera_with_key,
    listed,
    now,
    crop_jpeg,
    private_storage_dir,
    django_capture_on_commit_callbacks,
):
    camera, key = camera_with_key
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, url(city_a, camera, "openalpr"), alpr_group(now, crop_jpeg), key)
    assert response.status_code == 200, response.content
    assert response.json() == {"kind": "alpr_group", "created": 1, "duplicates": 0, "heartbeat": False}
    read = Read.all_cities.get()
    assert (read.plate, read.region, read.source) == ("6PK132", "us-mo", "device")
    assert read.confidence == pytest.approx(0.902536, abs=1e-5)
    assert read.captured_at == now.replace(microsecond=123000)
    assert read.candidates == [
        {"plate": "6PK132", "confidence": pytest.approx(0.9025, abs=1e-4)},
        {"plate": "6PKI32", "confidence": pytest.approx(0.7032, abs=1e-4)},
    ]
    assert read.device_event_id.startswith("openalpr:YYYY") and read.device_event_id.endswith("/0")
    assert read.crop and len(stored_files(private_storage_dir)) == 1
    with Image.open(private_storage().open(read.crop.name)) as stored:
        assert stored.size == (200, 100)  # the crop the agent sent, kept as the crop
    hit = Hit.all_cities.get()
    assert (hit.read, hit.listed_plate) == (read, "6PK132")
    assert (
        selectors.hit_payload(hit)["read_region"] == "us-mo"
    )  # what the dispatcher checks the state against
    assert camera.health_status() == "up"


def test_the_same_group_twice_is_stored_once(
    client, city_a, camera_with_key, now, crop_jpeg, private_storage_dir
):
    camera, key = camera_with_key
    body = alpr_group(now, crop_jpeg)
    assert post_json(client, url(city_a, camera, "openalpr"), body, key).json()["created"] == 1
    again = post_json(client, url(city_a, camera, "openalpr"), body, key)
    assert again.json() == {"kind": "alpr_group", "created": 0, "duplicates": 1, "heartbeat": False}
    assert Read.all_cities.count() == 1 and len(stored_files(private_storage_dir)) == 1


def test_alpr_results_keep_all_ten_candidates_and_the_group_of_the_same_frame_is_a_duplicate(
    client, city_a, camera_with_key, now, crop_jpeg, private_storage_dir
):
    camera, key = camera_with_key
    results = alpr_results(now)
    response = post_json(client, url(city_a, camera, "openalpr"), results, key)
    assert response.json()["created"] == 1
    read = Read.all_cities.get()
    assert (read.plate, read.region, read.crop.name) == ("AE1T3E", "mo", "")
    assert [c["plate"] for c in read.candidates] == [
        "AE1T3E", "AET3E", "A1T3E", "AE1T3F", "AEIT3E", "4E1T3E", "AT3E", "AET3F", "4ET3E", "A1T3F",
    ]  # fmt: skip
    assert read.candidates[1]["confidence"] == pytest.approx(0.8321, abs=1e-4)
    # The agent's group for this vehicle names the same frame as its best: the same event.
    group = alpr_group(now + dt.timedelta(milliseconds=40), crop_jpeg, best_uuid=results["uuid"])
    group["best_plate_number"] = "AE1T3E"
    response = post_json(client, url(city_a, camera, "openalpr"), group, key)
    assert response.json() == {"kind": "alpr_group", "created": 0, "duplicates": 1, "heartbeat": False}
    assert Read.all_cities.count() == 1


def test_two_plates_in_one_frame_are_two_reads(client, city_a, camera_with_key, now):
    camera, key = camera_with_key
    body = alpr_results(now)
    second = json.loads(json.dumps(body["results"][0]))
    second.update(plate="XYZ789", plate_index=1, candidates=[])
    body["results"].append(second)
    assert post_json(client, url(city_a, camera, "openalpr"), body, key).json()["created"] == 2
    assert sorted(Read.all_cities.values_list("plate", flat=True)) == ["AE1T3E", "XYZ789"]


def test_heartbeats_record_health_and_a_stopped_stream_degrades_the_camera(
    client, city_a, camera_with_key, now
):
    camera, key = camera_with_key
    response = post_json(client, url(city_a, camera, "openalpr"), alpr_heartbeat(now), key)
    assert response.status_code == 200
    assert response.json() == {"kind": "heartbeat", "created": 0, "duplicates": 0, "heartbeat": True}
    beat = CameraHeartbeat.all_cities.get()
    assert beat.ok and beat.details["video_streams"] == [
        {"camera_name": "h265", "is_streaming": True, "fps": 30}
    ]
    assert "rtsp" not in json.dumps(beat.details)  # the stream URL (often with a password) is not kept
    assert Read.all_cities.count() == 0
    # Alive but no reads yet: degraded, not up.
    assert camera.health_status() == "degraded"

    post_json(client, url(city_a, camera, "openalpr"), alpr_heartbeat(now, streaming=False), key)
    camera.refresh_from_db()
    assert camera.health_status() == "degraded"
    assert camera.edge.last_heartbeat_note == "stream h265 is not streaming"
    changes = AuditEvent.objects.filter(event_type="camera.health_changed")
    assert changes.count() >= 1 and changes.last().details["to"] == "degraded"


# --- Plate Recognizer -------------------------------------------------------------------------------------


def test_stream_json_webhook(
    client, city_a, camera_with_key, listed, now, django_capture_on_commit_callbacks
):
    camera, key = camera_with_key
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, url(city_a, camera, "platerecognizer-stream"), pr_stream(now), key)
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "stream.recognition"
    read = Read.all_cities.get()
    assert (read.plate, read.region, read.confidence) == ("9JUB11", "gb", pytest.approx(0.839))
    assert read.candidates == [
        {"plate": "9JUB11", "confidence": 0.839},
        {"plate": "SJU88Y", "confidence": None},
        {"plate": "SJUBI", "confidence": None},
    ]
    assert Hit.all_cities.get().read == read


def test_snapshot_multipart_with_image_keeps_the_plate_cut_from_it(
    client,
    city_a,
    camera_with_key,
    listed,
    now,
    scene,
    private_storage_dir,
    django_capture_on_commit_callbacks,
):
    camera, key = camera_with_key
    frame, (x, y, w, h) = scene
    body = pr_snapshot(now, box={"xmin": x, "ymin": y, "xmax": x + w, "ymax": y + h})
    upload = io.BytesIO(frame)
    upload.name = "car2.jpg"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_multipart(
            client,
            url(city_a, camera, "platerecognizer-snapshot"),
            {"json": json.dumps(body), "upload": upload},
            key,
        )
    assert response.status_code == 200, response.content
    read = Read.all_cities.get()
    assert (read.plate, read.region, read.confidence) == ("P29VGF", "ca-qc", 1.0)
    assert read.candidates[1] == {"plate": "P29VGT", "confidence": 0.902}
    with Image.open(private_storage().open(read.crop.name)) as crop:
        assert w < crop.width < w * 1.5 and h < crop.height < h * 1.5  # the plate plus a margin
    assert Hit.all_cities.get().read == read
    assert len(stored_files(private_storage_dir)) == 1  # the crop only, not the whole frame


def test_stream_multipart_with_the_vehicle_image_moves_the_plate_box_into_it(
    client, city_a, camera_with_key, now, private_storage_dir
):
    # Stream's default "webhook_image_type = vehicle" sends the vehicle's image; boxes stay in the
    # frame's coordinates (guides.platerecognizer.com/docs/stream/configuration, webhook parameters).
    camera, key = camera_with_key
    image, (x, y, w, h) = car_scene("9JUB11")
    vx, vy, vw, vh = x - 150, y - 200, w + 300, h + 260
    vehicle_jpeg = jpeg_of(image[vy : vy + vh, vx : vx + vw])
    body = pr_stream(now)
    result = body["data"]["results"][0]
    result["box"] = {"xmin": x, "ymin": y, "xmax": x + w, "ymax": y + h}
    result["vehicle"]["box"] = {"xmin": vx, "ymin": vy, "xmax": vx + vw, "ymax": vy + vh}
    upload = io.BytesIO(vehicle_jpeg)
    upload.name = "vehicle.jpg"
    response = post_multipart(
        client,
        url(city_a, camera, "platerecognizer-stream"),
        {"json": json.dumps(body), "upload": upload},
        key,
    )
    assert response.status_code == 200, response.content
    with Image.open(private_storage().open(Read.all_cities.get().crop.name)) as crop:
        assert w < crop.width < w * 1.5 and h < crop.height < h * 1.5


def test_snapshot_without_plates_stores_nothing_and_answers_200(client, city_a, camera_with_key, now):
    camera, key = camera_with_key
    body = pr_snapshot(now)
    body["data"][
        "results"
    ] = []  # "A webhook is sent for each call ..., even when no license plate is found."
    response = post_json(client, url(city_a, camera, "platerecognizer-snapshot"), body, key)
    assert response.status_code == 200 and response.json()["created"] == 0


# --- Axis License Plate Verifier ---------------------------------------------------------------------------


def test_axis_new_update_lost_of_one_car_store_each_distinct_reading_once(
    client, city_a, camera_with_key, listed, now, django_capture_on_commit_callbacks
):
    camera, key = camera_with_key
    target = url(city_a, camera, "axis-lpv")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_json(client, target, axis_event(now, state="new"), key)
        update = post_json(client, target, axis_event(now, state="updated"), key)
        lost = post_json(client, target, axis_event(now + dt.timedelta(seconds=10), state="lost"), key)
    assert [r.json()["created"] for r in (first, update, lost)] == [1, 0, 0]
    read = Read.all_cities.get()
    assert (read.plate, read.region, read.confidence) == ("RZ3832H", "dnk", pytest.approx(0.87))
    assert read.captured_at == now.replace(microsecond=123000)
    assert read.candidates == [{"plate": "RZ3832H", "confidence": 0.87}]
    assert Hit.all_cities.count() == 1


def test_axis_multipart_with_frame_crops_by_plate_coordinates(
    client, city_a, camera_with_key, now, scene, private_storage_dir
):
    camera, key = camera_with_key
    frame, (x, y, w, h) = scene
    event = axis_event(now)
    event["plateCoordinates"] = [x, y, w, h]
    response = post_multipart(
        client, url(city_a, camera, "axis-lpv"), {"event": json.dumps(event), "image": io.BytesIO(frame)}, key
    )
    assert response.status_code == 200, response.content
    with Image.open(private_storage().open(Read.all_cities.get().crop.name)) as crop:
        assert crop.width < w * 1.5 and crop.height < h * 1.5


def test_axis_time_without_zone_is_the_city_local_time(client, city_a, camera_with_key):
    camera, key = camera_with_key
    city_a.time_zone = "America/Los_Angeles"
    city_a.save()
    local = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=-8))).replace(microsecond=0)
    import zoneinfo

    local = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Los_Angeles")).replace(microsecond=0)
    event = axis_event(local)
    event["datetime"] = local.strftime("%Y%m%d %H%M%S") + "000"
    assert post_json(client, url(city_a, camera, "axis-lpv"), event, key).status_code == 200
    assert Read.all_cities.get().captured_at == local


# --- authentication -------------------------------------------------------------------------------------------


def test_secret_webhook_url_works_rotates_and_revokes(client, city_a, camera_with_key, now):
    camera, key = camera_with_key
    clerk = city_user(city_a, Role.CLERK)
    token = camera_webhook_token_issue(camera=camera, by=clerk)
    assert (
        post_json(client, url(city_a, camera, "platerecognizer-stream", token), pr_stream(now)).status_code
        == 200
    )
    camera.edge.refresh_from_db()
    assert (
        token not in json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))
        and camera.edge.webhook_token_hash != token
    )

    newer = camera_webhook_token_issue(camera=camera, by=clerk)
    old = post_json(
        client, url(city_a, camera, "platerecognizer-stream", token), pr_stream(now + dt.timedelta(seconds=1))
    )
    assert old.status_code == 401
    assert (
        post_json(
            client,
            url(city_a, camera, "platerecognizer-stream", newer),
            pr_stream(now + dt.timedelta(seconds=2)),
        ).status_code
        == 200
    )
    # The key can go while the URL keeps working (a device without headers needs only the URL).
    camera_revoke_key(camera=camera, by=clerk)
    assert (
        post_json(
            client,
            url(city_a, camera, "platerecognizer-stream", newer),
            pr_stream(now + dt.timedelta(seconds=3)),
        ).status_code
        == 200
    )
    camera_webhook_token_revoke(camera=camera, by=clerk)
    assert (
        post_json(
            client,
            url(city_a, camera, "platerecognizer-stream", newer),
            pr_stream(now + dt.timedelta(seconds=4)),
        ).status_code
        == 401
    )
    assert Read.all_cities.count() == 3
    types = list(AuditEvent.objects.values_list("event_type", flat=True))
    assert types.count("camera.webhook_token_issued") == 2 and "camera.webhook_token_revoked" in types
    assert len(refusals()) == 2


def test_a_token_of_another_camera_or_city_is_refused(client, city_a, city_b, camera_with_key, now):
    camera, _key = camera_with_key
    clerk_b = city_user(city_b, Role.CLERK)
    other, _ = camera_create(city=city_b, by=clerk_b, name="B cam", latitude="47", longitude="-122")
    token_b = camera_webhook_token_issue(camera=other, by=clerk_b)
    assert post_json(client, url(city_a, camera, "openalpr", token_b), alpr_results(now)).status_code == 401
    assert post_json(client, url(city_a, other, "openalpr", token_b), alpr_results(now)).status_code == 401
    assert Read.all_cities.count() == 0 and len(refusals()) == 2


def test_key_in_x_camera_key_header_and_no_credentials(client, city_a, camera_with_key, now):
    camera, key = camera_with_key
    target = url(city_a, camera, "openalpr")
    assert post_json(client, target, alpr_results(now), HTTP_X_CAMERA_KEY=key).status_code == 200
    assert post_json(client, target, alpr_results(now + dt.timedelta(seconds=1))).status_code == 401
    assert (
        post_json(client, target, alpr_results(now), HTTP_X_CAMERA_KEY="stw_0000000000_x").status_code == 401
    )
    assert Read.all_cities.count() == 1 and len(refusals()) == 2


def test_retired_camera_webhook_url_stops(client, city_a, camera_with_key, now):
    from cameras.services import camera_retire

    camera, _key = camera_with_key
    clerk = city_user(city_a, Role.CLERK)
    token = camera_webhook_token_issue(camera=camera, by=clerk)
    camera_retire(camera=camera, by=clerk)
    assert post_json(client, url(city_a, camera, "openalpr", token), alpr_results(now)).status_code == 401
    assert Read.all_cities.count() == 0


# --- malformed and foreign payloads ---------------------------------------------------------------------------


def _drop(path):
    def change(body):
        *parents, last = path.split(".")
        node = body
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[int(last) if last.isdigit() else last]
        return body

    return change


def _set(path, value):
    def change(body):
        *parents, last = path.split(".")
        node = body
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
        return body

    return change


NOW = timezone.now()
CROP = base64.b64encode(b"not an image").decode()

MALFORMED = [
    # (format, builder, change, status, field)
    ("openalpr", "group", _drop("best_plate_number"), 400, "best_plate_number"),
    ("openalpr", "group", _set("best_confidence", 190), 400, "best_confidence"),
    ("openalpr", "group", _set("best_confidence", "high"), 400, "best_confidence"),
    ("openalpr", "group", _set("epoch_start", "yesterday"), 400, "epoch_start"),
    ("openalpr", "group", _set("epoch_start", 1538924513), 400, "epoch_start"),  # seconds, not ms
    (
        "openalpr",
        "group",
        _set("best_plate.plate_crop_jpeg", "...base64_jpeg_bytes..."),
        400,
        "best_plate.plate_crop_jpeg",
    ),
    ("openalpr", "group", _set("best_plate.plate_crop_jpeg", CROP), 415, "best_plate.plate_crop_jpeg"),
    ("openalpr", "group", _set("best_plate_number", "!"), 400, "best_plate_number"),
    ("openalpr", "group", _set("candidates.1", "6PKI32"), 400, "candidates[1]"),
    ("openalpr", "group", _drop("best_uuid"), 400, "best_uuid"),
    ("openalpr", "group", _set("data_type", "alpr_alert"), 400, "data_type"),
    ("openalpr", "results", _set("results", {"plate": "AE1T3E"}), 400, "results"),
    ("openalpr", "results", _drop("results.0.confidence"), 400, "results[0].confidence"),
    (
        "openalpr",
        "results",
        _set("results.0.candidates.3.confidence", -1),
        400,
        "results[0].candidates[3].confidence",
    ),
    (
        "openalpr",
        "heartbeat",
        _set("video_streams.0.is_streaming", "yes"),
        400,
        "video_streams[0].is_streaming",
    ),
    ("openalpr", "heartbeat", _drop("timestamp"), 400, "timestamp"),
    (
        "openalpr",
        "stream",
        lambda b: b,
        400,
        "data_type",
    ),  # a Plate Recognizer payload sent to the agent's URL
    ("platerecognizer-stream", "stream", _drop("data"), 400, "data"),
    ("platerecognizer-stream", "stream", _set("data.timestamp", "2021-09-29 5:56"), 400, "data.timestamp"),
    ("platerecognizer-stream", "stream", _set("data.results.0.score", 83.9), 400, "data.results[0].score"),
    (
        "platerecognizer-stream",
        "stream",
        _set("data.results.0.box", {"xmin": 5, "ymin": 1, "xmax": 2, "ymax": 3}),
        400,
        "data.results[0].box",
    ),
    ("platerecognizer-stream", "stream", _set("data.results.0.region", "gb"), 400, "data.results[0].region"),
    (
        "platerecognizer-stream",
        "snapshot",
        lambda b: b,
        400,
        "hook.event",
    ),  # a Snapshot hook on the Stream URL
    ("platerecognizer-snapshot", "snapshot", _set("data.results", None), 400, "data.results"),
    (
        "platerecognizer-snapshot",
        "group",
        lambda b: b,
        400,
        "data",
    ),  # an OpenALPR group on a Plate Recognizer URL
    (
        "axis-lpv",
        "axis",
        lambda b: {k: v for k, v in b.items() if not k.startswith("plate")},
        400,
        "plateUTF8",
    ),
    ("axis-lpv", "axis", _set("plateCoordinates", [1, 2, 3]), 400, "plateCoordinates"),
    ("axis-lpv", "axis", _set("datetime", "2024-01-01T10:00:00"), 400, "datetime"),
    ("axis-lpv", "axis", _set("datetime", "20241301 100000000"), 400, "datetime"),
    ("axis-lpv", "axis", _set("carState", "parked"), 400, "carState"),
    ("axis-lpv", "axis", _drop("carID"), 400, "carID"),
    ("axis-lpv", "axis", _set("plateConfidence", 250), 400, "plateConfidence"),
    ("axis-lpv", "results", lambda b: b, 400, "plateUTF8"),
]


def build(kind, now):
    image, (x, y, w, h) = car_scene("6PK132")
    return {
        "group": lambda: alpr_group(now, jpeg_of(image[y : y + h, x : x + w])),
        "results": lambda: alpr_results(now),
        "heartbeat": lambda: alpr_heartbeat(now),
        "stream": lambda: pr_stream(now),
        "snapshot": lambda: pr_snapshot(now),
        "axis": lambda: axis_event(now),
    }[kind]()


@pytest.mark.parametrize(("device_format", "kind", "change", "status", "field"), MALFORMED)
def test_malformed_or_foreign_payloads_are_refused_by_field_audited_and_leave_nothing(
    client, city_a, camera_with_key, now, private_storage_dir, device_format, kind, change, status, field
):
    camera, key = camera_with_key
    response = post_json(client, url(city_a, camera, device_format), change(build(kind, now)), key)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert Read.all_cities.count() == 0 and CameraHeartbeat.all_cities.count() == 0
    assert stored_files(private_storage_dir) == []
    (refusal,) = refusals()
    assert refusal.details["key_camera"] == str(camera.public_id) and field in refusal.details["message"]


@pytest.mark.parametrize(
    "device_format", ["openalpr", "platerecognizer-stream", "platerecognizer-snapshot", "axis-lpv"]
)
def test_not_json_at_all(client, city_a, camera_with_key, device_format):
    camera, key = camera_with_key
    for body in ("{not json", "[1, 2]", '"a string"'):
        response = client.post(
            url(city_a, camera, device_format),
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Camera {key}",
        )
        assert 400 <= response.status_code < 500 and response.json()["field"] in ("body",), response.content
    xml = client.post(
        url(city_a, camera, device_format),
        data="<x/>",
        content_type="text/xml",
        HTTP_AUTHORIZATION=f"Camera {key}",
    )
    assert xml.status_code == 415 and xml.json()["field"] == "Content-Type"
    assert Read.all_cities.count() == 0 and len(refusals()) == 4


def test_multipart_with_a_broken_image_or_json_stores_nothing(
    client, city_a, camera_with_key, now, private_storage_dir
):
    camera, key = camera_with_key
    target = url(city_a, camera, "platerecognizer-snapshot")
    bad_image = post_multipart(
        client, target, {"json": json.dumps(pr_snapshot(now)), "upload": io.BytesIO(b"GIF89a...")}, key
    )
    assert bad_image.status_code == 415 and bad_image.json()["field"] == "upload"
    bad_json = post_multipart(client, target, {"json": "{", "upload": io.BytesIO(b"x")}, key)
    assert bad_json.status_code == 400 and bad_json.json()["field"] == "json"
    no_json = post_multipart(client, target, {"upload": io.BytesIO(b"x")}, key)
    assert no_json.status_code == 400 and no_json.json()["field"] == "json"
    assert Read.all_cities.count() == 0 and stored_files(private_storage_dir) == [] and len(refusals()) == 3


def test_one_bad_result_refuses_the_whole_payload(client, city_a, camera_with_key, now):
    camera, key = camera_with_key
    body = alpr_results(now)
    body["results"].append({"plate": "", "confidence": 50})
    response = post_json(client, url(city_a, camera, "openalpr"), body, key)
    assert response.status_code == 400 and response.json()["field"] == "results[1].plate"
    assert Read.all_cities.count() == 0


def test_expired_capture_time_is_refused_as_today(client, city_a, camera_with_key):
    camera, key = camera_with_key
    old = timezone.now() - dt.timedelta(days=city_a.retention_days + 1)
    response = post_json(client, url(city_a, camera, "openalpr"), alpr_results(old), key)
    assert response.status_code == 400 and response.json()["code"] == "expired"
    assert Read.all_cities.count() == 0 and len(refusals()) == 1


def test_an_oversized_body_is_413_naming_the_body(client, city_a, camera_with_key, now, settings):
    camera, key = camera_with_key
    settings.STEWARD_MAX_FRAME_BYTES = 1000
    body = alpr_results(now)
    body["padding"] = "x" * 300_000
    response = post_json(client, url(city_a, camera, "openalpr"), body, key)
    assert response.status_code == 413 and response.json()["field"] == "body"
    assert Read.all_cities.count() == 0 and refusals()[0].details["code"] == "too_large"


def test_a_heartbeat_from_a_camera_in_maintenance_keeps_it_in_maintenance(
    client, city_a, camera_with_key, now
):
    camera, key = camera_with_key
    camera.status = "maintenance"
    camera.save()
    assert post_json(client, url(city_a, camera, "openalpr"), alpr_heartbeat(now), key).status_code == 200
    camera.refresh_from_db()
    assert camera.health_status() == "maintenance"
