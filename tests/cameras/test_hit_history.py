"""The hit history: every hit with its outcome, filterable, exportable (and the export audited)."""

import csv
import io

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from cameras.models import HotlistSource, Read
from cameras.services import hit_disposition, hotlist_create, hotlist_entry_add, reads_match
from portal.roles import Role
from tests.factories import CameraFactory, city_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def hits(city_a, city_b):
    clerk = city_user(city_a, Role.CLERK)
    camera = CameraFactory(city=city_a, name="Harbour Ave")
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    for plate in ("ABC1234", "XYZ9876"):
        hotlist_entry_add(hotlist=hotlist, by=clerk, plate=plate, state="WA", reason="stolen vehicle")
    made = []
    for plate in ("ABC1234", "XYZ9876"):
        read = Read.all_cities.create(
            city=city_a,
            camera=camera,
            source="device",
            plate=plate,
            confidence=0.9,
            captured_at=timezone.now(),
        )
        made += reads_match(city=city_a, read_ids=[read.pk])
    hit_disposition(
        hit=made[0], by=city_user(city_a, Role.DISPATCHER), disposition="correct_read", action_taken="unit 4"
    )
    return made


def test_history_lists_hits_with_their_outcome_and_filters(client, city_a, hits):
    client.force_login(city_user(city_a, Role.DISPATCHER))
    page = client.get(f"/c/{city_a.slug}/hits/history/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "ABC1234" in body and "XYZ9876" in body and "Correct read" in body and "unit 4" in body
    confirmed = client.get(f"/c/{city_a.slug}/hits/history/", {"status": "confirmed"}).content.decode()
    assert "ABC1234" in confirmed and "XYZ9876" not in confirmed
    bad = client.get(f"/c/{city_a.slug}/hits/history/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert bad.status_code == 400 and "on or before" in bad.content.decode()


def test_the_csv_export_is_the_filtered_list_and_is_audited(client, city_a, hits):
    dispatcher = city_user(city_a, Role.DISPATCHER)
    client.force_login(dispatcher)
    response = client.get(f"/c/{city_a.slug}/hits/history/", {"status": "new", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["listed_plate"] for row in rows] == ["XYZ9876"]
    event = AuditEvent.objects.get(city=city_a, event_type="export.csv")
    assert event.actor == dispatcher and event.details["rows"] == 1 and event.details["list"] == "hits"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CLERK, Role.AUDITOR])
def test_other_roles_get_the_styled_refusal_and_no_export(client, city_a, hits, role):
    client.force_login(city_user(city_a, role))
    response = client.get(f"/c/{city_a.slug}/hits/history/", {"format": "csv"})
    assert response.status_code == 403 and "Not allowed" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="export.csv").exists()


def test_another_citys_staff_get_the_citys_404(client, city_a, city_b, hits):
    client.force_login(city_user(city_b, Role.DISPATCHER))
    assert client.get(f"/c/{city_a.slug}/hits/history/").status_code == 404


def test_the_hit_page_shows_a_map_of_its_camera(client, city_a, hits):
    client.force_login(city_user(city_a, Role.CHIEF))
    body = client.get(f"/c/{city_a.slug}/hits/{hits[1].public_id}/").content.decode()
    assert 'id="map"' in body and '"name": "Harbour Ave"' in body and "leaflet.js" in body
