"""Hits over the API and over the full Channels stack (Redis channel layer)."""

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from cameras.models import HotlistSource, Read
from cameras.services import hotlist_create, hotlist_entry_add, reads_match
from portal.roles import Role
from tests.factories import CameraFactory, city_user
from tests.portal.test_websocket import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(city=city_a, by=clerk, name="AMBER", source=HotlistSource.AMBER, priority=4)
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="AMBER alert 26-7")
    return hotlist


def make_hit(city, plate="ABC1234"):
    camera = CameraFactory(city=city)
    read = Read.all_cities.create(
        city=city, camera=camera, source="device", plate=plate, confidence=0.9, captured_at=timezone.now()
    )
    return reads_match(city=city, read_ids=[read.pk])


# --- API -------------------------------------------------------------------------------------------------------


def test_dispatchers_list_hits_since_a_moment(client, city_a, listed):
    first = make_hit(city_a)[0]
    second = make_hit(city_a)[0]
    client.force_login(city_user(city_a, Role.DISPATCHER))
    all_hits = client.get(f"/api/v1/c/{city_a.slug}/hits/").json()["hits"]
    assert [h["id"] for h in all_hits] == [str(first.public_id), str(second.public_id)]
    assert all_hits[0]["reason"] == "AMBER alert 26-7" and all_hits[0]["priority"] == 4
    later = client.get(f"/api/v1/c/{city_a.slug}/hits/", {"since": second.created_at.isoformat()}).json()[
        "hits"
    ]
    assert [h["id"] for h in later] == [str(second.public_id)]


def test_a_bad_since_is_a_400(client, city_a):
    client.force_login(city_user(city_a, Role.DISPATCHER))
    assert client.get(f"/api/v1/c/{city_a.slug}/hits/", {"since": "yesterday"}).status_code == 400


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.CLERK])
def test_other_roles_cannot_list_hits(client, city_a, role):
    client.force_login(city_user(city_a, role))
    assert client.get(f"/api/v1/c/{city_a.slug}/hits/").status_code == 403


def test_other_cities_and_anonymous_cannot_list_hits(client, city_a, city_b, listed):
    make_hit(city_a)
    anonymous = client.get(f"/api/v1/c/{city_a.slug}/hits/")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == "Token"
    bad_token = client.get(f"/api/v1/c/{city_a.slug}/hits/", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad_token.status_code == 401
    client.force_login(city_user(city_b, Role.DISPATCHER))
    assert client.get(f"/api/v1/c/{city_a.slug}/hits/").status_code == 404


def test_disposition_over_the_api(client, city_a, listed):
    hit = make_hit(city_a)[0]
    client.force_login(city_user(city_a, Role.DISPATCHER))
    url = f"/api/v1/c/{city_a.slug}/hits/{hit.public_id}/disposition/"
    assert (
        client.post(url, {"disposition": "correct_read"}, content_type="application/json").status_code == 400
    )
    response = client.post(
        url,
        {"disposition": "correct_read", "action_taken": "unit 4 en route"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    again = client.post(url, {"disposition": "misread"}, content_type="application/json")
    assert again.status_code == 409
    # The page is told what stands, so it replaces the form with the decision.
    assert again.json()["hit"]["status"] == "confirmed" and "You already recorded" in again.json()["detail"]
    assert client.post(url, {"disposition": "maybe"}, content_type="application/json").status_code == 400


def test_hit_page_disposition_works_without_javascript(client, city_a, listed):
    hit = make_hit(city_a)[0]
    client.force_login(city_user(city_a, Role.CHIEF))
    page = client.get(f"/c/{city_a.slug}/hits/{hit.public_id}/")
    assert page.status_code == 200 and "Verify this hit" in page.content.decode()
    response = client.post(f"/c/{city_a.slug}/hits/{hit.public_id}/", {"disposition": "wrong_state"})
    assert response.status_code == 302
    assert "Wrong state" in client.get(response["Location"]).content.decode()


# --- WebSocket -------------------------------------------------------------------------------------------------

pytest_asyncio = pytest.mark.asyncio


@pytest_asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_dispatcher_receives_each_hit_pushed_on_commit(client, city_a, listed):
    dispatcher = await sync_to_async(city_user)(city_a, Role.DISPATCHER)
    await sync_to_async(client.force_login)(dispatcher)
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    hits = await sync_to_async(make_hit)(city_a)
    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "hit" and message["hit"]["id"] == str(hits[0].public_id)
    assert message["hit"]["plate"] == "ABC1234" and message["hit"]["hotlist"] == "AMBER"
    await communicator.disconnect()


@pytest_asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["other_city_dispatcher", "officer", "anonymous"])
async def test_others_are_refused_the_hit_socket(client, city_a, city_b, who):
    user = {
        "other_city_dispatcher": lambda: city_user(city_b, Role.DISPATCHER),
        "officer": lambda: city_user(city_a, Role.OFFICER),
        "anonymous": lambda: None,
    }[who]
    person = await sync_to_async(user)()
    if person is not None:
        await sync_to_async(client.force_login)(person)
    communicator, connected, code = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert not connected and code == 4403
