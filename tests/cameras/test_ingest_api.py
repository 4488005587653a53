"""Frame and read ingest over HTTP: what is accepted, and that every refusal leaves nothing behind."""

import base64
import datetime as dt
import io
import struct
import uuid
import zlib

import pytest
from django.utils import timezone
from PIL import Image

from audits.models import AuditEvent
from cameras.models import Frame, Read
from cameras.services import camera_create, camera_revoke_key
from portal.roles import Role
from tests.cameras.conftest import stored_files
from tests.factories import city_user

pytestmark = pytest.mark.django_db


def frame_url(city, camera):
    return f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/frames/"


def reads_url(city, camera):
    return f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/reads/"


def upload(client, city, camera, key, data, *, name="frame.jpg", captured_at=None, **extra):
    captured_at = captured_at or timezone.now().replace(microsecond=0)
    return client.post(
        frame_url(city, camera),
        {"image": io.BytesIO(data) if data is not None else "", "captured_at": captured_at.isoformat()}
        if data is not None
        else {"captured_at": captured_at.isoformat()},
        HTTP_AUTHORIZATION=f"Camera {key}",
        **extra,
    )


def assert_nothing_stored(root):
    assert Frame.all_cities.count() == 0 and Read.all_cities.count() == 0
    assert stored_files(root) == []


def test_a_good_frame_is_stored_privately_and_queued(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir, django_capture_on_commit_callbacks
):
    camera, key = camera_with_key
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, city_a, camera, key, plate_jpeg)
    assert response.status_code == 202, response.content
    frame = Frame.all_cities.get()
    assert str(frame.public_id) == response.json()["frame_id"]
    assert (frame.camera, frame.status, frame.content_type) == (camera, "queued", "image/jpeg")
    assert len(stored_files(private_storage_dir)) == 1
    assert len(callbacks) == 1  # the recognition task, queued on commit


def test_the_same_frame_sent_twice_is_stored_once(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir
):
    camera, key = camera_with_key
    moment = timezone.now().replace(microsecond=0)
    first = upload(client, city_a, camera, key, plate_jpeg, captured_at=moment)
    second = upload(client, city_a, camera, key, plate_jpeg, captured_at=moment)
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["frame_id"] == second.json()["frame_id"] and second.json()["created"] is False
    assert Frame.all_cities.count() == 1 and len(stored_files(private_storage_dir)) == 1


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (the bytes never need to decode)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda jpeg: jpeg[: len(jpeg) // 2], 400, "undecodable"),
        (lambda jpeg: b"GIF89a" + jpeg[6:], 415, "unsupported_type"),
        (lambda jpeg: b"%PDF-1.4 not an image", 415, "unsupported_type"),
        (lambda jpeg: png_bomb(20000, 20000), 413, "too_many_pixels"),
        (lambda jpeg: b"", 400, None),
    ],
    ids=["truncated-jpeg", "wrong-magic", "pdf", "pixel-bomb", "empty"],
)
def test_bad_images_get_a_clear_4xx_and_leave_nothing(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir, make, status, code
):
    camera, key = camera_with_key
    response = upload(client, city_a, camera, key, make(plate_jpeg))
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    assert_nothing_stored(private_storage_dir)
    refusal = AuditEvent.objects.get(event_type="camera.upload_refused")
    assert refusal.city == city_a and refusal.outcome == "denied"


def test_an_oversized_frame_is_413(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir, settings
):
    settings.STEWARD_MAX_FRAME_BYTES = len(plate_jpeg) - 1
    camera, key = camera_with_key
    response = upload(client, city_a, camera, key, plate_jpeg)
    assert response.status_code == 413 and "limit" in response.json()["detail"]
    assert_nothing_stored(private_storage_dir)


def test_a_png_declared_as_jpeg_is_judged_by_its_bytes(
    client, city_a, camera_with_key, tiny_png, private_storage_dir
):
    camera, key = camera_with_key
    response = upload(client, city_a, camera, key, tiny_png, name="frame.jpg")
    assert response.status_code == 202
    assert Frame.all_cities.get().content_type == "image/png"


@pytest.mark.parametrize("when", ["future", "past"])
def test_capture_times_outside_reason_are_refused(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir, when
):
    camera, key = camera_with_key
    moment = timezone.now() + (dt.timedelta(hours=2) if when == "future" else -dt.timedelta(days=400))
    response = upload(client, city_a, camera, key, plate_jpeg, captured_at=moment)
    assert response.status_code == 400
    assert_nothing_stored(private_storage_dir)


def test_missing_fields_are_a_400_naming_them(client, city_a, camera_with_key, private_storage_dir):
    camera, key = camera_with_key
    response = client.post(frame_url(city_a, camera), {}, HTTP_AUTHORIZATION=f"Camera {key}")
    assert response.status_code == 400
    assert set(response.json()) == {"image", "captured_at"}


@pytest.mark.parametrize("header", [None, "Camera stw_0000000000_nope", "Camera", "Bearer abc", "Camera a b"])
def test_a_wrong_or_missing_key_is_401(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir, header
):
    camera, _ = camera_with_key
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(
        frame_url(city_a, camera),
        {"image": io.BytesIO(plate_jpeg), "captured_at": timezone.now().isoformat()},
        **extra,
    )
    assert response.status_code == 401
    assert_nothing_stored(private_storage_dir)
    assert AuditEvent.objects.filter(event_type="camera.upload_refused", city=city_a).count() == 1


def test_a_revoked_key_stops_working(client, city_a, camera_with_key, plate_jpeg, private_storage_dir):
    camera, key = camera_with_key
    camera_revoke_key(camera=camera, by=city_user(city_a, Role.CHIEF))
    assert upload(client, city_a, camera, key, plate_jpeg).status_code == 401
    assert_nothing_stored(private_storage_dir)


def test_another_citys_camera_is_404_whichever_key(
    client, city_a, city_b, camera_with_key, plate_jpeg, private_storage_dir
):
    camera_a, key_a = camera_with_key
    camera_b, key_b = camera_create(
        city=city_b, by=city_user(city_b, Role.CLERK), name="B cam", latitude="47", longitude="-122"
    )
    # B's camera under A's URL, with B's own key; and A's key on B's camera under A's URL.
    assert upload(client, city_a, camera_b, key_b, plate_jpeg).status_code == 404
    assert upload(client, city_a, camera_b, key_a, plate_jpeg).status_code == 404
    # A's camera and key, but under B's URL.
    assert upload(client, city_b, camera_a, key_a, plate_jpeg).status_code == 404
    # A camera that does not exist at all answers the same.
    missing = type("Missing", (), {"public_id": uuid.uuid4()})
    assert upload(client, city_a, missing, key_a, plate_jpeg).status_code == 404
    assert_nothing_stored(private_storage_dir)


# --- device reads -------------------------------------------------------------------------------------


def device_read(plate="abc-1234", minutes_ago=1, **extra):
    captured = (timezone.now() - dt.timedelta(minutes=minutes_ago)).replace(microsecond=0)
    return {"plate": plate, "confidence": 0.93, "captured_at": captured.isoformat(), **extra}


def post_reads(client, city, camera, key, reads):
    return client.post(
        reads_url(city, camera),
        {"reads": reads},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Camera {key}",
    )


def crop_b64(tiny_png):
    return base64.b64encode(tiny_png).decode()


def test_a_batch_of_device_reads_is_stored_in_one_go(
    client, city_a, camera_with_key, tiny_png, private_storage_dir
):
    camera, key = camera_with_key
    reads = [device_read(f"XYZ{n:04d}", minutes_ago=n) for n in range(1, 40)]
    reads[0]["crop"] = crop_b64(tiny_png)
    reads[1]["vehicle_colour"] = "Blue"
    response = post_reads(client, city_a, camera, key, reads)
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 39, "duplicates": 0}
    stored = Read.all_cities.filter(camera=camera)
    assert stored.count() == 39 and stored.filter(plate="XYZ0001").get().crop
    assert stored.get(plate="XYZ0002").vehicle_colour == "blue"
    assert len(stored_files(private_storage_dir)) == 1


def test_plates_are_normalised(client, city_a, camera_with_key, private_storage_dir):
    camera, key = camera_with_key
    post_reads(client, city_a, camera, key, [device_read(" 7ab-c 12 ")])
    assert Read.all_cities.get().plate == "7ABC12"


def test_a_batch_sent_twice_is_stored_once(client, city_a, camera_with_key, private_storage_dir):
    camera, key = camera_with_key
    reads = [device_read("AAA111"), device_read("BBB222", minutes_ago=2)]
    post_reads(client, city_a, camera, key, reads)
    again = post_reads(client, city_a, camera, key, reads)
    assert again.json() == {"created": 0, "duplicates": 2}
    assert Read.all_cities.count() == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"plate": "!!", "confidence": 0.9},
        {"plate": "ABC123", "confidence": 1.5},
        {"plate": "ABC123", "captured_at": "yesterday"},
        {"plate": "ABC123", "crop": "not base64 at all!"},
        {"plate": "ABC123", "crop": base64.b64encode(b"GIF89a....").decode()},
    ],
    ids=["plate", "confidence", "time", "crop-base64", "crop-type"],
)
def test_one_bad_read_rejects_the_whole_batch(client, city_a, camera_with_key, private_storage_dir, bad):
    camera, key = camera_with_key
    good = [device_read(f"GOOD{n}", minutes_ago=n + 1) for n in range(5)]
    response = post_reads(client, city_a, camera, key, [*good, {**device_read(), **bad}])
    assert response.status_code == 400
    errors = response.json()["reads"]  # errors by position: only the bad read is named
    assert list(errors) == ["5"] and errors["5"]
    assert_nothing_stored(private_storage_dir)


def test_more_than_500_reads_are_refused(client, city_a, camera_with_key, private_storage_dir):
    camera, key = camera_with_key
    response = post_reads(client, city_a, camera, key, [device_read(f"P{n}") for n in range(501)])
    assert response.status_code == 400 and "500" in response.json()["detail"]
    assert_nothing_stored(private_storage_dir)


def test_an_empty_or_malformed_body_is_400(client, city_a, camera_with_key, private_storage_dir):
    camera, key = camera_with_key
    for body in ({}, {"reads": []}, {"reads": "nope"}):
        assert post_reads(client, city_a, camera, key, body.get("reads")).status_code == 400
    response = client.post(
        reads_url(city_a, camera),
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Camera {key}",
    )
    assert response.status_code == 400
    assert_nothing_stored(private_storage_dir)


def test_a_png_crop_is_checked_like_a_frame(client, city_a, camera_with_key, private_storage_dir):
    camera, key = camera_with_key
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 4000), "white").save(buffer, format="PNG")
    response = post_reads(
        client, city_a, camera, key, [device_read(crop=base64.b64encode(buffer.getvalue()).decode())]
    )
    assert response.status_code == 400
    assert_nothing_stored(private_storage_dir)


def upload_refusal_codes(city):
    return [
        e.details.get("code")
        for e in AuditEvent.objects.filter(city=city, event_type="camera.upload_refused")
    ]


def test_two_image_parts_are_refused_and_nothing_is_stored(
    client, city_a, camera_with_key, plate_jpeg, private_storage_dir
):
    # Before: the second image part was dropped without a word and the upload answered 202.
    camera, key = camera_with_key
    response = client.post(
        frame_url(city_a, camera),
        {
            "image": [io.BytesIO(plate_jpeg), io.BytesIO(plate_jpeg)],
            "captured_at": timezone.now().replace(microsecond=0).isoformat(),
        },
        HTTP_AUTHORIZATION=f"Camera {key}",
    )
    assert response.status_code == 400, response.content
    assert "one image" in response.json()["detail"]
    assert_nothing_stored(private_storage_dir)
    assert upload_refusal_codes(city_a) == ["invalid"]


def test_a_frame_content_length_that_is_not_a_number_is_a_400(
    client, city_a, camera_with_key, private_storage_dir
):
    # Before: int("abc") raised ValueError, a 500.
    camera, key = camera_with_key
    response = client.post(
        frame_url(city_a, camera),
        {"captured_at": timezone.now().isoformat()},
        CONTENT_LENGTH="abc",
        HTTP_AUTHORIZATION=f"Camera {key}",
    )
    assert response.status_code == 400, response.content
    assert "Content-Length" in response.json()["detail"]
    assert_nothing_stored(private_storage_dir)
    assert upload_refusal_codes(city_a) == ["invalid"]
