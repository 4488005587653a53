"""Hostile input gets a clear 4xx, never a 500, and leaves nothing half-written (issue 11).

Each case here raised a 500 before: deeply nested JSON (``RecursionError``), a moment past what UTC
can hold (``OverflowError``), a CSV field past the csv module's limit (``_csv.Error``) and a NUL byte
in a CSV field (``DataError`` on PostgreSQL).
"""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audits.models import AuditEvent
from cameras.models import HotlistEntry, HotlistSource, Read
from cameras.services import HotlistRefused, camera_create, hotlist_create, hotlist_import_csv
from portal.roles import Role
from sharing.models import Search
from tests.factories import city_user

pytestmark = pytest.mark.django_db

BEYOND_UTC = "9999-12-31T23:59:59-14:00"
FUZZ = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def clerk_a(city_a):
    return city_user(city_a, Role.CLERK)


@pytest.fixture
def stolen(city_a, clerk_a):
    return hotlist_create(
        city=city_a, by=clerk_a, name="Stolen vehicles", source=HotlistSource.STATE_NCIC, priority=3
    )


@pytest.fixture
def camera_key(city_a, clerk_a):
    return camera_create(city=city_a, by=clerk_a, name="Main St", latitude="47.3", longitude="-122.2")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def reads_url(city, camera):
    return f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/reads/"


def post_reads(client, city, camera, key, body: str):
    return client.post(
        reads_url(city, camera), body, content_type="application/json", HTTP_AUTHORIZATION=f"Camera {key}"
    )


# --- JSON depth and size --------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [17, 5000, 100_000])
def test_deeply_nested_json_on_the_search_api_is_a_400(client, city_a, officer_a, depth):
    client.force_login(officer_a)
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        '{"plate": "ABC1234", "filters": ' + nested(depth) + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nests deeper" in response.json()["detail"]
    assert not Search.all_cities.exists()


def test_deeply_nested_json_on_the_reads_api_is_a_400(client, city_a, camera_key):
    camera, key = camera_key
    response = post_reads(client, city_a, camera, key, '{"reads": ' + nested(50_000) + "}")
    assert response.status_code == 400 and "nests deeper" in response.json()["detail"]
    assert not Read.all_cities.exists()


def test_a_json_body_over_the_size_limit_is_a_400(client, city_a, camera_key, settings):
    settings.STEWARD_MAX_JSON_BYTES = 1000
    camera, key = camera_key
    response = post_reads(client, city_a, camera, key, '{"reads": [], "pad": "' + "x" * 2000 + '"}')
    assert response.status_code == 400 and "larger than 1000 bytes" in response.json()["detail"]


def test_nan_is_not_json(client, city_a, camera_key):
    camera, key = camera_key
    body = '{"reads": [{"plate": "ABC1234", "confidence": NaN, "captured_at": "2026-01-01T00:00:00Z"}]}'
    assert post_reads(client, city_a, camera, key, body).status_code == 400


# --- dates outside a sane range ---------------------------------------------------------------------


@pytest.mark.parametrize("moment", [BEYOND_UTC, "0001-01-01T00:00:00+14:00", "1899-01-01T00:00:00Z"])
def test_an_absurd_date_on_the_reads_api_is_a_400(client, city_a, camera_key, moment):
    camera, key = camera_key
    body = json.dumps({"reads": [{"plate": "ABC1234", "confidence": 0.9, "captured_at": moment}]})
    response = post_reads(client, city_a, camera, key, body)
    assert response.status_code == 400, response.content
    assert "2000-01-01" in response.content.decode()
    assert not Read.all_cities.exists()


def test_an_absurd_date_on_the_search_api_is_a_400(client, city_a, officer_a):
    client.force_login(officer_a)
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        {"plate": "ABC1234", "since": BEYOND_UTC, "reason": "x", "offense_type": "", "case_number": "1"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "since" in response.json()
    assert not Search.all_cities.exists()


def test_an_absurd_date_in_the_html_search_is_a_form_error(client, city_a, officer_a):
    client.force_login(officer_a)
    response = client.post(f"/c/{city_a.slug}/search/", {"plate": "ABC1234", "since": BEYOND_UTC})
    assert response.status_code in (200, 400)
    assert "Enter a date between 2000-01-01 and 2099-12-31." in response.content.decode()
    assert not Search.all_cities.exists()


def test_an_absurd_expiry_on_a_hotlist_entry_is_a_form_error(client, city_a, clerk_a, stolen):
    client.force_login(clerk_a)
    response = client.post(
        f"/c/{city_a.slug}/hotlists/{stolen.public_id}/entries/",
        {"plate": "ABC1234", "state": "WA", "reason": "Stolen", "expires_at": BEYOND_UTC},
    )
    assert response.status_code < 500
    assert "Enter a date between 2000-01-01 and 2099-12-31." in response.content.decode()
    assert not HotlistEntry.all_cities.exists()


def test_an_absurd_expires_column_is_reported_on_its_row(city_a, clerk_a, stolen):
    data = f"plate,state,reason,expires\nABC1234,WA,Stolen,{BEYOND_UTC}\nXYZ9876,WA,Stolen,\n".encode()
    report = hotlist_import_csv(hotlist=stolen, by=clerk_a, data=data)
    assert report.accepted == 1
    assert [(p.row, "2000-01-01" in p.reason) for p in report.rejected] == [(2, True)]


# --- CSV fields: size and NUL --------------------------------------------------------------------


def test_a_field_past_the_csv_limit_refuses_the_file_with_its_line(city_a, clerk_a, stolen):
    data = ("plate,state,reason\nABC1234,WA,Stolen\nXYZ9876,WA," + "x" * 140_000 + "\n").encode()
    with pytest.raises(HotlistRefused, match="Line 3") as refusal:
        hotlist_import_csv(hotlist=stolen, by=clerk_a, data=data)
    assert refusal.value.rule == "file.unreadable_row"
    assert not HotlistEntry.all_cities.exists()


def test_a_long_field_is_reported_on_its_row(city_a, clerk_a, stolen):
    data = ("plate,state,reason\nABC1234,WA,Stolen\nXYZ9876,WA," + "x" * 5000 + "\n").encode()
    report = hotlist_import_csv(hotlist=stolen, by=clerk_a, data=data)
    assert report.accepted == 1 and [p.row for p in report.rejected] == [3]


def test_a_nul_byte_is_reported_on_its_row_and_the_rest_imported(client, city_a, clerk_a, stolen):
    client.force_login(clerk_a)
    data = b"plate,state,reason\nABC1234,WA,Sto\x00len\nXYZ9876,WA,Stolen\n"
    response = client.post(
        f"/c/{city_a.slug}/hotlists/{stolen.public_id}/import/",
        {"file": SimpleUploadedFile("list.csv", data, content_type="text/csv")},
    )
    assert response.status_code < 500
    assert "NUL" in response.content.decode()
    assert list(HotlistEntry.all_cities.values_list("plate", flat=True)) == ["XYZ9876"]


# --- property-based: no 500, no partial rows -----------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
read_like = st.fixed_dictionaries(
    {},
    optional={
        "plate": st.text(max_size=20) | json_values,
        "confidence": st.floats(allow_nan=False, allow_infinity=False) | json_values,
        "captured_at": st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | json_values,
        "state": st.text(max_size=4),
        "crop": st.text(max_size=30),
    },
)


@FUZZ
@given(reads=st.lists(read_like, max_size=5) | json_values)
def test_any_reads_body_is_stored_whole_or_not_at_all(client, city_a, camera_key, reads):
    camera, key = camera_key
    before = Read.all_cities.count()
    response = post_reads(client, city_a, camera, key, json.dumps({"reads": reads}))
    assert response.status_code < 500, response.content
    stored = Read.all_cities.count() - before
    if response.status_code >= 400:
        assert stored == 0
    else:
        assert stored == len(reads)


csv_cell = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@FUZZ
@given(rows=st.lists(st.lists(csv_cell, min_size=0, max_size=5), max_size=8))
def test_any_csv_import_stores_exactly_the_rows_it_reports_accepted(city_a, clerk_a, stolen, rows):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["plate", "state", "reason", "expires"])
    writer.writerows(rows)
    before = HotlistEntry.all_cities.count()
    try:
        report = hotlist_import_csv(hotlist=stolen, by=clerk_a, data=buffer.getvalue().encode())
    except HotlistRefused:
        assert HotlistEntry.all_cities.count() == before
        return
    assert HotlistEntry.all_cities.count() - before == report.accepted
    assert report.accepted + len(report.rejected) <= len(rows)


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "plate": st.text(max_size=20) | json_values,
            "partial": json_values,
            "since": st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | json_values,
            "until": st.text(max_size=30) | json_values,
            "reason": st.text(max_size=50),
            "offense_type": st.sampled_from(["", "felony", "theft", "x"]),
            "case_number": st.text(max_size=20),
            "cameras": json_values,
        },
    )
)
def test_any_search_body_is_answered_without_a_500(client, city_a, officer_a, body):
    client.force_login(officer_a)
    searches_before = Search.all_cities.count()
    events_before = AuditEvent.objects.filter(event_type="search.performed").count()
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, response.content
    searches = Search.all_cities.count() - searches_before
    events = AuditEvent.objects.filter(event_type="search.performed").count() - events_before
    assert searches == events  # a search is recorded with its audit entry, or neither is


def test_a_sane_date_still_works(client, city_a, camera_key):
    camera, key = camera_key
    moment = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    body = json.dumps({"reads": [{"plate": "ABC1234", "confidence": 0.9, "captured_at": moment}]})
    assert post_reads(client, city_a, camera, key, body).status_code in (200, 201)
