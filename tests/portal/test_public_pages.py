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


# --- the fuller public page, its open data, its cache -------------------------------------------------------


@pytest.fixture
def public_city(city_a):
    from django.utils import timezone

    from cameras.models import Read
    from portal.roles import Role
    from sharing.services import search_run
    from tests.factories import city_user
    from tests.sharing.conftest import PURPOSE, make_agreement

    camera = CameraFactory(city=city_a, name="Harbour Ave")
    Read.all_cities.create(
        city=city_a,
        camera=camera,
        source="device",
        plate="SECRET9",
        confidence=0.9,
        captured_at=timezone.now(),
    )
    from tests.factories import AgencyFactory

    make_agreement(
        city_a, AgencyFactory(name="Kent Police Department"), permitted_offense_types=["hit_and_run"]
    )
    officer = city_user(city_a, Role.OFFICER, username="officer-jane-doe")
    from sharing.models import CityPolicy
    from sharing.selectors import ReadQuery

    CityPolicy.all_cities.get_or_create(city=city_a, defaults=CityPolicy.from_preset(city_a).values())
    from sharing.grants import grant_for

    search_run(grant=grant_for(officer, city_a), query=ReadQuery(plate="SECRET9"), **PURPOSE)
    return city_a


def test_camera_locations_appear_only_where_the_city_publishes_them(client, public_city):
    page = client.get(f"/p/{public_city.slug}/").content.decode()
    assert "Harbour Ave" not in page and 'id="map"' not in page
    public_city.publish_camera_locations = True
    public_city.save()
    page = client.get(f"/p/{public_city.slug}/").content.decode()
    assert "Harbour Ave" in page and 'id="map"' in page


def test_public_page_shows_scope_policy_and_labels_never_plates_or_names(client, public_city):
    page = client.get(f"/p/{public_city.slug}/").content.decode()
    assert "Kent Police Department" in page and "Hit and run" in page and "hit_and_run" not in page
    assert "No search is allowed for civil immigration enforcement" in page
    assert "Robbery" in page  # the offense type of the search, as a label
    for secret in ("SECRET9", "officer-jane-doe", "2026-004512", "pharmacy"):
        assert secret not in page


def test_open_data_json_and_csv_carry_the_same_report(client, public_city):
    data = client.get(f"/api/v1/public/{public_city.slug}/").json()
    assert data["agencies_with_access"][0]["agency"] == "Kent Police Department"
    assert data["searches_last_30_days"][0]["count"] == 1
    assert len(data["activity"]["days"]) == 30
    body = client.get(f"/p/{public_city.slug}/agencies.csv").content.decode()
    assert body.splitlines()[0].startswith("agency,agency_kind") and "Kent Police Department" in body
    activity = client.get(f"/p/{public_city.slug}/activity.csv").content.decode().splitlines()
    assert len(activity) == 31 and activity[0].startswith("day,reads: Reads")
    assert client.get(f"/p/{public_city.slug}/nope.csv").status_code == 404
    everything = str(data) + body
    for secret in ("SECRET9", "officer-jane-doe", "2026-004512"):
        assert secret not in everything


def test_open_data_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/public/{city_slug}/" in schema["paths"]


def test_the_cached_report_is_replaced_when_something_changes(client, public_city):
    from portal.public import public_report

    first = public_report(public_city)
    assert public_report(public_city)["generated_at"] == first["generated_at"]  # served from the cache
    CameraFactory(city=public_city, name="New camera")
    assert public_report(public_city)["cameras_total"] == first["cameras_total"] + 1


def test_the_public_csv_never_holds_a_live_spreadsheet_formula(client, city_a):
    import csv
    import io

    city_a.publish_camera_locations = True
    city_a.save()
    CameraFactory(city=city_a, name="=HYPERLINK(evil)", longitude="-122.250000")
    response = client.get(f"/p/{city_a.slug}/cameras.csv")
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["name"] == "'=HYPERLINK(evil)"
    assert row["longitude"] == "-122.25"  # a number stays a number
