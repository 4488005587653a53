"""Every refusal, at any layer, is one audit entry in the city whose data was asked for."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from rest_framework.authtoken.models import Token

from audits.models import AuditEvent
from cameras.models import Camera
from portal.roles import Role
from tests.factories import AgencyFactory, CameraFactory, city_user, partner_user
from tests.sharing.conftest import PURPOSE

pytestmark = pytest.mark.django_db


def refusals(city):
    return list(AuditEvent.objects.filter(city=city, event_type="access.refused").order_by("sequence"))


@pytest.fixture
def usbp_agent(db):
    return partner_user(
        AgencyFactory(name="U.S. Border Patrol", kind="federal", immigration_enforcement=True)
    )


def test_a_non_member_gets_the_404_and_the_city_records_it(client, city_a, city_b, usbp_agent):
    client.force_login(usbp_agent)
    assert client.get(f"/c/{city_a.slug}/search/").status_code == 404
    (entry,) = refusals(city_a)
    assert entry.actor == usbp_agent and entry.agency == usbp_agent.agency and entry.outcome == "denied"
    assert entry.details["rule"] == "agency.no_agreement" and entry.details["status"] == 404
    assert entry.details["path"] == f"/c/{city_a.slug}/search/" and entry.details["via"] == "web"
    assert entry.client_address == "127.0.0.1"
    assert refusals(city_b) == []


def test_the_api_404_for_a_non_member_is_recorded_once(client, city_a, usbp_agent):
    token = Token.objects.create(user=usbp_agent)
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        {"plate": "ABC1234", **PURPOSE},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 404
    (entry,) = refusals(city_a)
    assert (
        entry.actor == usbp_agent
        and entry.details["via"] == "api"
        and entry.details["rule"] == "agency.no_agreement"
    )


def test_another_citys_staff_is_recorded_as_not_a_member(client, city_a, officer_b):
    client.force_login(officer_b)
    assert client.get(f"/c/{city_a.slug}/cameras/").status_code == 404
    (entry,) = refusals(city_a)
    assert entry.actor == officer_b and entry.details["rule"] == "tenancy.not_member"


@pytest.mark.parametrize("role", [Role.CLERK, Role.DISPATCHER, Role.AUDITOR])
def test_a_role_refusal_is_recorded(client, city_a, role):
    user = city_user(city_a, role)
    client.force_login(user)
    assert client.get(f"/c/{city_a.slug}/search/").status_code == 403
    (entry,) = refusals(city_a)
    assert entry.actor == user and entry.details["rule"] == "access.role_not_permitted"
    assert entry.details["status"] == 403


def test_a_drf_role_refusal_is_recorded(client, city_a):
    clerk = city_user(city_a, Role.CLERK)
    token = Token.objects.create(user=clerk)
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        {"plate": "ABC1234", **PURPOSE},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    (entry,) = refusals(city_a)
    assert entry.details["rule"] == "access.role_not_permitted" and entry.details["via"] == "api"


def test_search_input_400_and_415_are_recorded_with_the_fields_never_the_values(client, city_a, officer_a):
    token = Token.objects.create(user=officer_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    url = f"/api/v1/c/{city_a.slug}/searches/"
    bad = client.post(
        url, {"plate": "---", "reason": "SECRET-REASON"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400
    unsupported = client.post(url, "plate=ABC", content_type="text/plain", **auth)
    assert unsupported.status_code == 415
    unparsable = client.post(url, "{not json", content_type="application/json", **auth)
    assert unparsable.status_code == 400
    first, second, third = refusals(city_a)
    assert first.details["rule"] == "input.invalid" and "plate" in first.details["fields"]
    assert second.details["rule"] == "input.unsupported_media_type" and second.details["status"] == 415
    assert third.details["rule"] == "input.unparsable"
    assert all("SECRET-REASON" not in str(entry.details) for entry in (first, second, third))


def test_the_search_form_400_is_recorded(client, city_a, officer_a):
    client.force_login(officer_a)
    assert client.post(f"/c/{city_a.slug}/search/", {"plate": ""}).status_code == 400
    (entry,) = refusals(city_a)
    assert entry.details["rule"] == "input.invalid" and "plate" in entry.details["fields"]


def test_a_bad_token_is_recorded(client, city_a):
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token nope",
    )
    assert response.status_code == 401
    (entry,) = refusals(city_a)
    assert entry.actor is None and entry.details["rule"] == "access.bad_credentials"


def test_anonymous_floods_write_one_entry_per_window(client, city_a):
    for _ in range(20):
        assert client.get(f"/c/{city_a.slug}/search/?q=SECRET").status_code == 302
        assert (
            client.post(f"/api/v1/c/{city_a.slug}/searches/", {}, content_type="application/json").status_code
            == 401
        )
    entries = refusals(city_a)
    assert len(entries) == 1  # one rule (not signed in), one client address, one window
    assert entries[0].actor is None and "SECRET" not in str(entries[0].details)


def test_a_missing_city_has_nothing_to_record_to(client, officer_a):
    client.force_login(officer_a)
    assert client.get("/c/no-such-city/search/").status_code == 404
    assert not AuditEvent.objects.filter(event_type="access.refused").exists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_refused_socket_is_recorded(client, city_a):
    from tests.portal.test_websocket import connect

    clerk = await sync_to_async(city_user)(city_a, Role.CLERK)
    await sync_to_async(client.force_login)(clerk)
    _, connected, code = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert not connected and code == 4403
    (entry,) = await sync_to_async(refusals)(city_a)
    assert entry.actor_id == clerk.pk and entry.details["via"] == "websocket"
    assert entry.details["rule"] == "access.role_not_permitted"


# --- refusals answered by a view, a form or Django itself (one place: portal.access) ---------------


@pytest.fixture
def clerk_a(city_a):
    return city_user(city_a, Role.CLERK)


def test_another_citys_object_is_the_404_and_recorded(client, city_a, city_b, clerk_a):
    theirs = CameraFactory(city=city_b)
    client.force_login(clerk_a)
    assert client.get(f"/c/{city_a.slug}/cameras/{theirs.public_id}/").status_code == 404
    assert client.post(f"/c/{city_a.slug}/cameras/{theirs.public_id}/retire/").status_code == 404
    first, second = refusals(city_a)
    assert first.actor == clerk_a and first.details["rule"] == "object.not_found"
    assert first.details["status"] == 404 and first.details["method"] == "GET"
    assert second.details["method"] == "POST" and second.details["via"] == "web"
    assert refusals(city_b) == []
    assert Camera.all_cities.get(pk=theirs.pk).status != "retired"


def test_a_wrong_method_is_the_405_and_recorded(client, city_a, clerk_a):
    camera = CameraFactory(city=city_a)
    client.force_login(clerk_a)
    assert client.get(f"/c/{city_a.slug}/cameras/{camera.public_id}/retire/").status_code == 405
    (entry,) = refusals(city_a)
    assert entry.details["rule"] == "request.method_not_allowed" and entry.details["status"] == 405
    assert Camera.all_cities.get(pk=camera.pk).status == camera.status


def test_an_invalid_form_is_the_400_and_recorded_without_its_values(client, city_a, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        f"/c/{city_a.slug}/cameras/new/", {"name": "SECRET-NAME", "latitude": "north", "longitude": "1e999"}
    )
    assert response.status_code == 400
    (entry,) = refusals(city_a)
    assert entry.details["rule"] == "input.invalid" and entry.details["status"] == 400
    assert "SECRET-NAME" not in str(entry.details)
    assert not Camera.all_cities.filter(city=city_a).exists()


def test_the_api_404_and_405_are_recorded(client, city_a, city_b, officer_a):
    dispatcher = Token.objects.create(user=city_user(city_a, Role.DISPATCHER))
    officer = Token.objects.create(user=officer_a)
    missing = f"/api/v1/c/{city_a.slug}/hits/{uuid.uuid4()}/disposition/"
    response = client.post(
        missing, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {dispatcher.key}"
    )
    assert response.status_code == 404
    response = client.get(f"/api/v1/c/{city_a.slug}/searches/", HTTP_AUTHORIZATION=f"Token {officer.key}")
    assert response.status_code == 405
    first, second = refusals(city_a)
    assert first.details["rule"] == "object.not_found" and first.details["via"] == "api"
    assert second.details["rule"] == "request.method_not_allowed" and second.details["status"] == 405


def test_a_refusal_already_recorded_is_not_recorded_twice(client, city_a, officer_b):
    client.force_login(officer_b)
    assert client.get(f"/c/{city_a.slug}/cameras/{uuid.uuid4()}/").status_code == 404
    (entry,) = refusals(city_a)
    assert entry.details["rule"] == "tenancy.not_member"


def test_a_missing_csrf_token_is_a_styled_403_and_recorded(city_a, clerk_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_a)
    response = client.post(
        f"/c/{city_a.slug}/cameras/new/", {"name": "Main St", "latitude": "47.3", "longitude": "-122.2"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "reload the page" in page and f"/c/{city_a.slug}/" in page  # the portal's page, not Django's
    (entry,) = refusals(city_a)
    assert entry.details["rule"] == "request.csrf_failed" and entry.actor == clerk_a
    assert not Camera.all_cities.filter(city=city_a).exists()
