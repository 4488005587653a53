import datetime as dt

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from cameras.models import Camera, Read
from cameras.services import camera_for_api_key, camera_rotate_key
from portal.roles import Role
from tests.factories import CameraFactory, city_user

pytestmark = pytest.mark.django_db


def test_a_clerk_adds_a_camera_and_sees_its_key_once(client, city_a):
    clerk = city_user(city_a, Role.CLERK)
    client.force_login(clerk)
    response = client.post(
        f"/c/{city_a.slug}/cameras/new/",
        {"name": "Pike & 3rd", "latitude": "47.3", "longitude": "-122.2", "heading": "90"},
    )
    assert response.status_code == 200
    key = response.context["key"]
    camera = Camera.all_cities.get(name="Pike & 3rd")
    assert camera_for_api_key(key) == camera and key not in camera.api_key_hash
    page = client.get(f"/c/{city_a.slug}/cameras/").content.decode()
    assert "Pike &amp; 3rd" in page and key not in page
    event = AuditEvent.objects.get(event_type="camera.created")
    assert event.actor == clerk and key not in str(event.details)


def test_bad_camera_input_is_a_400_with_errors(client, city_a):
    client.force_login(city_user(city_a, Role.CHIEF))
    response = client.post(f"/c/{city_a.slug}/cameras/new/", {"name": "", "latitude": "95", "longitude": "x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"name", "latitude", "longitude"}
    assert not Camera.all_cities.exists()


def test_officers_cannot_manage_cameras(client, city_a, officer_a):
    camera = CameraFactory(city=city_a)
    client.force_login(officer_a)
    assert client.post(f"/c/{city_a.slug}/cameras/new/", {"name": "x"}).status_code == 403
    assert client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/key/rotate/").status_code == 403
    assert not AuditEvent.objects.filter(event_type__startswith="camera.").exists()


def test_rotating_a_key_retires_the_old_one(client, city_a, camera_with_key):
    camera, old_key = camera_with_key
    client.force_login(city_user(city_a, Role.CHIEF))
    response = client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/key/rotate/")
    new_key = response.context["key"]
    assert camera_for_api_key(old_key) is None and camera_for_api_key(new_key) == camera
    assert AuditEvent.objects.filter(event_type="camera.key_rotated").count() == 1


def test_revoking_a_key_leaves_the_camera_unable_to_upload(client, city_a, camera_with_key):
    camera, key = camera_with_key
    client.force_login(city_user(city_a, Role.CLERK))
    assert client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/key/revoke/").status_code == 302
    assert camera_for_api_key(key) is None


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DISPATCHER, Role.CLERK, Role.CHIEF])
def test_camera_detail_shows_counts_and_health_never_plates(
    client, city_a, role, tiny_png, private_storage_dir
):
    """No plate without a purpose: the camera page counts reads; plates come through a search."""
    from django.core.files.base import ContentFile

    from cameras.models import private_storage

    camera = CameraFactory(city=city_a)
    name = private_storage().save("crops/x.png", ContentFile(tiny_png))
    read = Read.all_cities.create(
        city=city_a,
        camera=camera,
        source="device",
        plate="KNOWN1",
        confidence=0.9,
        captured_at=timezone.now() - dt.timedelta(minutes=5),
        crop=name,
    )
    client.force_login(city_user(city_a, role))
    response = client.get(f"/c/{city_a.slug}/cameras/{camera.public_id}/")
    page = response.content.decode()
    assert response.status_code == 200 and camera.name in page
    assert "KNOWN1" not in page and str(read.public_id) not in page
    assert "Reads, last hour</dt><dd>1</dd>" in page and "Reads, last 7 days</dt><dd>1</dd>" in page
    # Without a hit or a search, the crop is not reachable either.
    crop = client.get(f"/c/{city_a.slug}/reads/{read.public_id}/crop.jpg")
    assert crop.status_code in (403, 404)


def test_another_citys_camera_and_crop_are_404(client, city_a, city_b, officer_b):
    camera = CameraFactory(city=city_a)
    read = Read.all_cities.create(
        city=city_a,
        camera=camera,
        source="device",
        plate="SECRET",
        confidence=0.9,
        captured_at="2026-01-01T00:00:00Z",
    )
    for user in (officer_b, city_user(city_b, Role.DISPATCHER)):
        client.force_login(user)
        for path in (
            f"/c/{city_b.slug}/cameras/{camera.public_id}/",
            f"/c/{city_b.slug}/reads/{read.public_id}/crop.jpg",
            f"/c/{city_a.slug}/cameras/{camera.public_id}/",
        ):
            expected = 403 if user.role == Role.OFFICER and "/reads/" in path else 404
            assert client.get(path).status_code == expected


def test_auditors_do_not_see_plates(client, city_a, auditor_a):
    camera = CameraFactory(city=city_a)
    client.force_login(auditor_a)
    assert client.get(f"/c/{city_a.slug}/cameras/{camera.public_id}/").status_code == 403
    assert client.get(f"/c/{city_a.slug}/cameras/").status_code == 200


def test_a_key_rotated_by_service_is_audited_with_prefixes_only(city_a, camera_with_key):
    camera, _ = camera_with_key
    key = camera_rotate_key(camera=camera, by=city_user(city_a, Role.CHIEF))
    details = AuditEvent.objects.get(event_type="camera.key_rotated").details
    assert key not in str(details) and details["new_prefix"] == camera.api_key_prefix


def test_retiring_a_camera_stops_its_uploads_and_keeps_its_reads(client, city_a, camera_with_key):
    camera, key = camera_with_key
    Read.all_cities.create(
        city=city_a,
        camera=camera,
        source="device",
        plate="KEEP1",
        confidence=0.9,
        captured_at="2026-01-01T00:00:00Z",
    )
    client.force_login(city_user(city_a, Role.OFFICER))
    assert client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/retire/").status_code == 403
    client.force_login(city_user(city_a, Role.CHIEF))
    assert client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/retire/").status_code == 302
    camera.refresh_from_db()
    assert camera.status == "retired" and camera_for_api_key(key) is None
    assert Read.all_cities.filter(camera=camera).count() == 1
    assert AuditEvent.objects.filter(event_type="camera.retired").count() == 1
