"""Red-team round 2: hostile input found answered with a crash or a 500, and the fix for each.

Each test failed before its fix.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from audits.events import EventType
from audits.models import AuditEvent
from audits.reviews.models import FederalOperation, Review
from cameras.models import Read
from cameras.services import camera_create
from portal.roles import Role
from sharing.models import SharingAgreement
from tests.factories import AgencyFactory, city_user
from tests.portal.test_websocket import connect

BAD_MESSAGE = 4400  # portal.consumers.BAD_MESSAGE, literal so that the test runs without the fix

# --- the live socket ------------------------------------------------------------------------------


@pytest.fixture
def dispatcher_a(city_a):
    return city_user(city_a, Role.DISPATCHER)


def socket_refusals(city):
    return list(
        AuditEvent.objects.filter(city=city, event_type=EventType.ACCESS_REFUSED).values_list(
            "details", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message",
    ["not json", "[1, 2]", '"ping"', "42", "null", '{"type": "ping"' + " " * 5000 + "}", b"\x00\x01"],
    ids=["not-json", "array", "string", "number", "null", "oversized", "binary"],
)
async def test_a_bad_socket_message_closes_the_socket_and_is_audited(client, city_a, dispatcher_a, message):
    # Before: the consumer raised (JSONDecodeError, AttributeError on list.get, ValueError on a
    # binary frame) and the socket died with a server error, unrecorded.
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    if isinstance(message, bytes):
        await communicator.send_to(bytes_data=message)
    else:
        await communicator.send_to(text_data=message)
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": BAD_MESSAGE}
    await communicator.disconnect()
    refusals = await sync_to_async(socket_refusals)(city_a)
    assert [(r["via"], r["status"], r["rule"]) for r in refusals] == [
        ("websocket", BAD_MESSAGE, "input.invalid")
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_ping_still_gets_a_pong(client, city_a, dispatcher_a):
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert connected
    await communicator.receive_json_from(timeout=5)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()
    assert await sync_to_async(socket_refusals)(city_a) == []


# --- edge device endpoints --------------------------------------------------------------------------

DEVICE_FORMATS = ["openalpr", "platerecognizer-stream", "platerecognizer-snapshot", "axis-lpv"]


@pytest.fixture
def camera_and_key(city_a):
    return camera_create(
        city=city_a, by=city_user(city_a, Role.CLERK), name="Main St", latitude="47.3", longitude="-122.2"
    )


def device_url(city, camera, device_format):
    return f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/devices/{device_format}/"


def upload_refusals(city):
    return list(
        AuditEvent.objects.filter(city=city, event_type=EventType.CAMERA_UPLOAD_REFUSED).values_list(
            "details", flat=True
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("device_format", DEVICE_FORMATS)
@pytest.mark.parametrize(
    "field",
    ["[" * 100_000 + "]" * 100_000, "[" * 20 + "]" * 20, '{"data_type": NaN}'],
    ids=["deep", "17", "nan"],
)
def test_a_device_form_field_has_the_json_bodys_limits(client, city_a, camera_and_key, device_format, field):
    # Before: the JSON of a multipart form field was read with a bare json.loads: 100,000 levels
    # raised RecursionError (a 500), 20 levels and NaN passed on to the adapter.
    camera, key = camera_and_key
    response = client.post(
        device_url(city_a, camera, device_format), {"json": field}, HTTP_AUTHORIZATION=f"Camera {key}"
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "json"
    assert response.json()["code"] == "malformed"
    assert not Read.all_cities.exists()
    assert [details["code"] for details in upload_refusals(city_a)] == ["malformed"]


@pytest.mark.django_db
def test_a_content_length_that_is_not_a_number_is_a_400(client, city_a, camera_and_key):
    # Before: int("abc") raised ValueError (a 500).
    camera, key = camera_and_key
    response = client.post(
        device_url(city_a, camera, "openalpr"),
        "{}",
        content_type="application/json",
        CONTENT_LENGTH="abc",
        HTTP_AUTHORIZATION=f"Camera {key}",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "Content-Length"
    assert len(upload_refusals(city_a)) == 1


# --- dates outside 2000-2099 ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["0001-01", "1999-12"])
def test_a_review_of_a_month_before_2000_is_refused_and_recorded(client, city_a, month):
    # Before: 0001-01 made a review row whose run raised OverflowError (it never completed, and the
    # sweep queued it again every hour); 1999-12 made one of a month before any data can exist.
    client.force_login(city_user(city_a, Role.CHIEF))
    response = client.post(f"/c/{city_a.slug}/reviews/", {"month": month})
    assert response.status_code == 400
    assert "between 2000-01-01 and 2099-12-31" in response.content.decode()
    assert not Review.all_cities.exists()
    assert AuditEvent.objects.filter(city=city_a, event_type=EventType.REVIEW_REFUSED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("starts_on, ends_on", [("2026-01-01", "9999-12-31"), ("0001-01-01", "2026-12-31")])
def test_an_agreement_cannot_run_outside_2000_to_2099(client, city_a, starts_on, ends_on):
    # Before: an agreement "until 9999-12-31" (a grant with no end) was drafted as any other.
    agency = AgencyFactory(name="Kent PD", state="WA")
    client.force_login(city_user(city_a, Role.CHIEF))
    response = client.post(
        f"/c/{city_a.slug}/agreements/new/",
        {
            "partner_agency": str(agency.public_id),
            "starts_on": starts_on,
            "ends_on": ends_on,
            "all_cameras": "on",
        },
    )
    assert response.status_code == 400
    assert "between 2000-01-01 and 2099-12-31" in response.content.decode()
    assert not SharingAgreement.all_cities.exists()


@pytest.mark.django_db
def test_a_federal_operation_cannot_start_in_year_one(client, city_a):
    client.force_login(city_user(city_a, Role.CHIEF))
    response = client.post(
        f"/c/{city_a.slug}/reviews/operations/",
        {"name": "Operation X", "starts_on": "0001-01-01", "ends_on": "9999-12-31", "notes": ""},
    )
    assert response.status_code == 400
    assert "between 2000-01-01 and 2099-12-31" in response.content.decode()
    assert not FederalOperation.all_cities.exists()


# --- wrong methods on HTML pages --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"])
@pytest.mark.parametrize("page", ["audit/", "cameras/", "agreements/new/", "policy/"])
def test_an_html_page_refuses_a_method_no_form_sends_and_records_it(client, city_a, method, page):
    # Before: DELETE /c/<city>/audit/ (and every other method) was answered as a GET: a 200, and
    # the audit log recorded a visit instead of a refusal.
    client.force_login(city_user(city_a, Role.CHIEF))
    response = client.generic(method, f"/c/{city_a.slug}/{page}")
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "POST"}
    refusals = AuditEvent.objects.filter(city=city_a, event_type=EventType.ACCESS_REFUSED)
    assert [(r.details["rule"], r.details["method"]) for r in refusals] == [
        ("request.method_not_allowed", method)
    ]
    assert not AuditEvent.objects.filter(city=city_a, event_type=EventType.AUDIT_VIEWED).exists()


@pytest.mark.django_db
def test_an_html_page_still_answers_get_and_head(client, city_a):
    client.force_login(city_user(city_a, Role.CHIEF))
    assert client.get(f"/c/{city_a.slug}/cameras/").status_code == 200
    assert client.head(f"/c/{city_a.slug}/cameras/").status_code == 200


# --- the API renders JSON only ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_serves_no_browsable_html_page(client, city_a):
    # Before: ?format=api (or Accept: text/html) served DRF's browsable HTML page of the endpoint.
    url = f"/api/v1/public/{city_a.slug}/"
    assert client.get(url).headers["Content-Type"].startswith("application/json")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get(url, HTTP_ACCEPT=browser).headers["Content-Type"].startswith("application/json")
    r = client.get(url + "?format=api")
    assert r.status_code == 404
    assert b"rest_framework" not in r.content
