"""The Channels stack: origin validation, session authentication, city scoping."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from portal.asgi import application
from portal.consumers import broadcast, city_group

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


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


async def test_a_member_connects_and_receives_the_citys_notices(client, city_a, officer_a):
    await sync_to_async(client.force_login)(officer_a)
    communicator, connected, _ = await connect(client, f"/ws/c/{city_a.slug}/events/")
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "hello"
    await sync_to_async(broadcast)(
        city_group(city_a, "events"), {"type": "city.notice", "notice": "hello alpha"}
    )
    assert await communicator.receive_json_from(timeout=5) == {"type": "notice", "notice": "hello alpha"}
    await communicator.disconnect()


async def test_another_citys_member_is_refused(client, city_a, officer_b):
    await sync_to_async(client.force_login)(officer_b)
    communicator, connected, code = await connect(client, f"/ws/c/{city_a.slug}/events/")
    assert not connected and code == 4403


async def test_anonymous_is_refused(client, city_a):
    communicator, connected, code = await connect(client, f"/ws/c/{city_a.slug}/events/")
    assert not connected and code == 4403


async def test_a_foreign_origin_is_refused(client, city_a, officer_a):
    await sync_to_async(client.force_login)(officer_a)
    communicator, connected, _ = await connect(
        client, f"/ws/c/{city_a.slug}/events/", origin=b"http://evil.example"
    )
    assert not connected
