"""Every refusal, at any layer, is one audit entry in the city whose data was asked for."""

import pytest
from asgiref.sync import sync_to_async
from rest_framework.authtoken.models import Token

from audits.models import AuditEvent
from portal.roles import Role
from tests.factories import AgencyFactory, city_user, partner_user
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
