"""The Channels stack: origin validation, session authentication, city scoping."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from portal.asgi import application
from portal.consumers import broadcast, user_group
from portal.roles import Role
from tests.factories import city_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
def dispatcher_a(city_a):
    return city_user(city_a, Role.DISPATCHER)


async def connect(client, path, origin=b"http://127.0.0.1"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        # Tell the consumer the socket is gone, as Daphne would, so it ends instead of waiting
        # on the channel layer until the test's event loop is torn down.
        await communicator.disconnect()
    return communicator, connected, code


async def test_a_session_user_connects_to_their_own_citys_socket(client, city_a, dispatcher_a):
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "city": city_a.slug,
        "topic": "hits",
    }
    await sync_to_async(broadcast)(user_group(dispatcher_a.public_id), {"type": "session.end"})
    assert (await communicator.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


async def test_anonymous_is_refused(client, city_a):
    communicator, connected, code = await connect(client, f"/ws/c/{city_a.slug}/hits/")
    assert not connected and code == 4403


async def test_a_missing_city_is_refused_like_another_city(client, dispatcher_a):
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, code = await connect(client, "/ws/c/no-such-city/hits/")
    assert not connected and code == 4403


async def test_a_foreign_origin_is_refused(client, city_a, dispatcher_a):
    await sync_to_async(client.force_login)(dispatcher_a)
    communicator, connected, _ = await connect(
        client, f"/ws/c/{city_a.slug}/hits/", origin=b"http://evil.example"
    )
    assert not connected
