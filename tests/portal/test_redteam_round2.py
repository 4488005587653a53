"""Red-team round 2: hostile input found answered with a crash or a 500, and the fix for each.

Each test failed before its fix.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from audits.events import EventType
from audits.models import AuditEvent
from portal.roles import Role
from tests.factories import city_user
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
