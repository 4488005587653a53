"""A live socket lives no longer than its session and grant (issue 11).

Each test first shows the socket open and receiving, then ends access one way and asserts the socket
closes (4403) within a second, or that the next message is refused instead of delivered.
"""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from audits.models import AuditEvent
from cameras.live import hit_message
from portal.live import broadcast, city_group
from portal.models import User
from portal.roles import Role
from portal.services import user_access_changed
from tests.factories import city_user
from tests.portal.test_websocket import connect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

WITHIN = 1.0  # seconds: "within a second"


@pytest.fixture
def dispatcher_a(city_a):
    return city_user(city_a, Role.DISPATCHER)


async def open_hits_socket(client, city, user, *, login=True):
    if login:
        await sync_to_async(client.force_login)(user)
    communicator, connected, _ = await connect(client, f"/ws/c/{city.slug}/hits/")
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    return communicator


async def send_hit(city, plate="ABC1234"):
    await sync_to_async(broadcast)(city_group(city, "hits"), hit_message("hit.created", {"plate": plate}))


async def assert_receives_hit(communicator, city, plate="ABC1234"):
    await send_hit(city, plate)
    assert await communicator.receive_json_from(timeout=5) == {"type": "hit", "hit": {"plate": plate}}


async def assert_closed(communicator, timeout=WITHIN):
    message = await communicator.receive_output(timeout=timeout)
    assert message == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


async def test_sign_out_closes_the_sessions_socket(client, city_a, dispatcher_a):
    communicator = await open_hits_socket(client, city_a, dispatcher_a)
    await assert_receives_hit(communicator, city_a)
    response = await sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code == 302
    await assert_closed(communicator)


async def test_deactivation_closes_every_socket_of_the_person(client, city_a, dispatcher_a):
    communicator = await open_hits_socket(client, city_a, dispatcher_a)
    await assert_receives_hit(communicator, city_a)

    @sync_to_async
    def deactivate():
        with transaction.atomic():
            dispatcher_a.is_active = False
            dispatcher_a.save(update_fields=["is_active"])
            user_access_changed(user=dispatcher_a, by=None, changed=["is_active"])

    await deactivate()
    await assert_closed(communicator)
    event = await sync_to_async(AuditEvent.objects.get)(event_type="user.access_changed")
    assert event.details["fields"] == ["is_active"] and event.target_id == str(dispatcher_a.public_id)


async def test_a_role_change_closes_the_socket(client, city_a, dispatcher_a):
    communicator = await open_hits_socket(client, city_a, dispatcher_a)

    @sync_to_async
    def make_officer():
        with transaction.atomic():
            dispatcher_a.role = Role.OFFICER
            dispatcher_a.save(update_fields=["role"])
            user_access_changed(user=dispatcher_a, by=None, changed=["role"])

    await make_officer()
    await assert_closed(communicator)


async def test_a_change_made_behind_the_services_back_still_stops_the_next_message(
    client, city_a, dispatcher_a
):
    """No close message was sent: the socket's own check before sending refuses the hit."""
    communicator = await open_hits_socket(client, city_a, dispatcher_a)
    await assert_receives_hit(communicator, city_a)
    await sync_to_async(User.objects.filter(pk=dispatcher_a.pk).update)(is_active=False)
    await send_hit(city_a, "SECRET1")
    await assert_closed(communicator, timeout=5)


async def test_a_moved_user_gets_no_more_hits_from_the_old_city(client, city_a, city_b, dispatcher_a):
    communicator = await open_hits_socket(client, city_a, dispatcher_a)
    await sync_to_async(User.objects.filter(pk=dispatcher_a.pk).update)(city=city_b)
    await send_hit(city_a, "SECRET1")
    await assert_closed(communicator, timeout=5)


async def test_an_expired_session_gets_no_more_hits(client, city_a, dispatcher_a):
    communicator = await open_hits_socket(client, city_a, dispatcher_a)
    await sync_to_async(Session.objects.update)(expire_date=timezone.now() - dt.timedelta(seconds=1))
    await send_hit(city_a, "SECRET1")
    await assert_closed(communicator, timeout=5)


async def test_the_idle_deadline_closes_a_silent_socket(client, city_a, dispatcher_a):
    await sync_to_async(client.force_login)(dispatcher_a)
    await sync_to_async(Session.objects.update)(expire_date=timezone.now() + dt.timedelta(seconds=1.5))
    communicator = await open_hits_socket(client, city_a, dispatcher_a, login=False)
    # Nothing is sent; the watchdog closes it within a second of the deadline.
    await assert_closed(communicator, timeout=1.5 + WITHIN)


async def test_a_password_change_ends_the_socket_at_the_next_message(client, city_a, dispatcher_a):
    communicator = await open_hits_socket(client, city_a, dispatcher_a)

    @sync_to_async
    def change_password():
        dispatcher_a.set_password("another-long-passphrase-2026")
        dispatcher_a.save(update_fields=["password"])

    await change_password()
    await send_hit(city_a, "SECRET1")
    await assert_closed(communicator, timeout=5)


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:8443",  # another port on the same host
        b"https://127.0.0.1",  # another scheme (a ws:// socket belongs to an http page)
        b"http://evil.example",
        b"null",
        b"",
    ],
)
async def test_the_origin_must_match_scheme_host_and_port(client, city_a, dispatcher_a, origin):
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/hits/", origin=origin)
    assert not connected


async def test_a_trusted_origin_may_differ(client, city_a, dispatcher_a, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://alpr.example.gov"]
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, _ = await connect(
        client, f"/ws/c/{city_a.slug}/hits/", origin=b"https://alpr.example.gov"
    )
    assert connected
    await communicator.disconnect()
