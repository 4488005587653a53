"""WebSocket consumers shared by the apps: a city-scoped, role-checked base.

``connect()`` is the entry point that sets the scope: it resolves the URL's city, checks that the
session's user is a member with an allowed role, and joins the city's group. Anything else is
closed with code 4403 (the same for "no such city" and "not yours").
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from audits.refusals import refusal_record
from portal.access import RULE_NOT_MEMBER, RULE_NOT_SIGNED_IN, RULE_ROLE
from portal.models import City
from portal.roles import Role

REFUSED = 4403


def city_group(city: City, topic: str) -> str:
    return f"city.{city.public_id.hex}.{topic}"


def user_group(user_public_id) -> str:
    return f"user.{user_public_id.hex}"


def broadcast(group: str, message: dict) -> None:
    """Send ``message`` to a group from synchronous code (call it from ``transaction.on_commit``)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


class CityConsumer(AsyncJsonWebsocketConsumer):
    topic = ""
    allowed_roles: tuple[Role, ...] = ()

    city: City | None = None

    @database_sync_to_async
    def _authorise(self) -> City | None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"].get("city_slug", "")
        city = City.objects.filter(slug=slug).first()
        if city is None:
            return None  # no city, no audit log to write to
        if user is None or not user.is_authenticated:
            self._refused(city, RULE_NOT_SIGNED_IN, None)
            return None
        if not user.has_city_role(city, *self.allowed_roles):
            self._refused(city, RULE_ROLE if user.is_member_of(city) else RULE_NOT_MEMBER, user)
            return None
        return city

    def _refused(self, city: City, rule: str, user) -> None:
        client = self.scope.get("client") or (None, None)
        refusal_record(
            city=city,
            rule=rule,
            via="websocket",
            status=REFUSED,
            user=user,
            path=self.scope.get("path", ""),
            method="WS",
            client_address=client[0],
        )

    async def connect(self):
        self.city = await self._authorise()
        self.groups_joined: list[str] = []
        if self.city is None:
            await self.close(code=REFUSED)
            return
        user = self.scope["user"]
        for group in (city_group(self.city, self.topic), user_group(user.public_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        await self.send_json({"type": "hello", "city": self.city.slug, "topic": self.topic})

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Clients only listen; what they change goes through the HTTP API, which audits it.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def session_end(self, event):
        """A user's access ended (signed out, locked, revoked): close at once."""
        await self.close(code=REFUSED)
