import pytest

from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_public_index_lists_cities_without_signing_in(client, city_a, city_b):
    page = client.get("/").content.decode()
    assert city_a.name in page and city_b.name in page


def test_public_city_page_counts_cameras_and_names_no_plate(client, city_a, city_b):
    CameraFactory(city=city_a)
    CameraFactory(city=city_a, status="retired")
    CameraFactory(city=city_b)
    response = client.get(f"/p/{city_a.slug}/")
    assert response.status_code == 200
    assert "1 of 2" in response.content.decode()


def test_static_files_are_served_locally(client):
    response = client.get("/static/css/steward.css")
    assert response.status_code == 200


def test_public_page_counts_reads_hits_searches_and_shows_the_audit_checkpoint(client, city_a):
    import datetime as dt

    from django.utils import timezone

    from audits.models import AuditEvent
    from audits.services import audit_record
    from cameras.models import Read

    camera = CameraFactory(city=city_a)
    for days in (1, 2, 45):
        Read.all_cities.create(
            city=city_a,
            camera=camera,
            source="device",
            plate="SECRET9",
            confidence=0.9,
            captured_at=timezone.now() - dt.timedelta(days=days),
        )
    audit_record(event_type="test.event", city=city_a)
    head = AuditEvent.objects.filter(city=city_a).order_by("-sequence").first()
    page = client.get(f"/p/{city_a.slug}/").content.decode()
    assert "Vehicles read in the last 30 days</dt><dd>2<" in page
    assert head.entry_hash in page
    assert "SECRET9" not in page
