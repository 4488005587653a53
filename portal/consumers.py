"""WebSocket consumers shared by the apps: a session-bound base and a city-scoped, role-checked one.

``connect()`` is the entry point that sets the scope: it resolves the URL's city, checks that the
session's user is a member with an allowed role, and joins the city's group. Anything else is
closed with code 4403 (the same for "no such city" and "not yours").

A socket lives no longer than the session and the grant it was opened under (``SessionBoundConsumer``):
it joins its user's, its session's and its agency's groups so that a service can close it at once
(``portal.live``), and before each message it sends it checks again that the session is still
valid (not signed out, not expired, the user active with the same role, city and agency, the
password unchanged) and that the grant still holds. A watchdog closes it when the session's idle
deadline passes even if nothing is sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from audits.refusals import refusal_record
from portal.access import RULE_NOT_MEMBER, RULE_NOT_SIGNED_IN, RULE_ROLE
from portal.live import agency_group, broadcast, city_group, session_group, user_group
from portal.models import City, User
from portal.roles import Role

__all__ = ["REFUSED", "CityConsumer", "SessionBoundConsumer", "broadcast", "city_group", "user_group"]

REFUSED = 4403


def session_state(session_key: str | None, user: Any) -> tuple[User | None, dt.datetime | None]:
    """The user as the database has them now, and the session's expiry, if the session behind
    ``session_key`` still signs ``user`` in; ``(None, None)`` otherwise."""
    if not session_key or user is None or not user.is_authenticated:
        return None, None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    data = store.load()  # {} once the session was flushed (signed out) or has expired
    if data.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return None, None
    fresh = (
        get_user_model().objects.filter(pk=user.pk, is_active=True).select_related("city", "agency").first()
    )
    if fresh is None or not constant_time_compare(
        data.get(HASH_SESSION_KEY, ""), fresh.get_session_auth_hash()
    ):
        return None, None
    if (fresh.city_id, fresh.agency_id, fresh.role) != (user.city_id, user.agency_id, user.role):
        return None, None  # a role, city or agency change ends the session's sockets
    from portal.mfa import mfa_required, session_verified_for

    if mfa_required(fresh) and not session_verified_for(fresh, data):
        return None, None  # two-step sign-in not passed in this session (or reset since)
    expires: dt.datetime | None = None
    model = getattr(store, "model", None)
    if model is not None:  # database-backed sessions: the idle deadline is the row's expiry
        expires = model.objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()
        if expires is None or expires <= timezone.now():
            return None, None
    return fresh, expires


class SessionBoundConsumer(AsyncJsonWebsocketConsumer):
    """A socket that ends with its session and its grant. Subclasses implement ``grant_holds``."""

    groups_joined: list[str]
    session_key: str | None

    def grant_holds(self, user: User, event: dict[str, Any] | None) -> bool:
        """Whether ``user`` (fresh from the database) may still receive ``event`` (None: in general).
        Runs in a worker thread with database access."""
        raise NotImplementedError

    @database_sync_to_async
    def _check(self, event: dict[str, Any] | None) -> tuple[bool, dt.datetime | None]:
        user, expires = session_state(self.session_key, self.scope.get("user"))
        if user is None or not self.grant_holds(user, event):
            return False, None
        return True, expires

    @database_sync_to_async
    def _agency_public_id(self, user: Any) -> uuid.UUID | None:
        return get_user_model().objects.filter(pk=user.pk).values_list("agency__public_id", flat=True).first()

    async def join_session_groups(self, extra_groups: list[str]) -> None:
        """Join the groups first and check the session after, so that no close sent in between is
        missed."""
        user = self.scope["user"]
        assert user is not None, "connect() authorised the user first"
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        groups = [*extra_groups, user_group(user.public_id)]
        if self.session_key:
            groups.append(session_group(self.session_key))
        if user.agency_id:
            agency_public_id = await self._agency_public_id(user)
            if agency_public_id is not None:
                groups.append(agency_group(agency_public_id))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)

    def start_watchdog(self, expires: dt.datetime | None) -> None:
        self._watchdog = asyncio.ensure_future(self._watch(expires))

    async def _watch(self, expires: dt.datetime | None) -> None:
        """Close the socket within a second of the session's idle deadline (an HTTP request in the
        meantime moves the deadline, so it is read again each time), and re-check the grant at least
        every ``STEWARD_SOCKET_RECHECK_SECONDS`` for changes made outside the services."""
        recheck = float(getattr(settings, "STEWARD_SOCKET_RECHECK_SECONDS", 60))
        while True:
            wait = recheck
            if expires is not None:
                wait = min(wait, max((expires - timezone.now()).total_seconds(), 0) + 0.2)
            await asyncio.sleep(wait)
            allowed, expires = await self._check(None)
            if not allowed:
                await self.close(code=REFUSED)
                return

    async def send_if_allowed(self, payload: dict[str, Any], event: dict[str, Any] | None = None) -> None:
        allowed, _ = await self._check(event)
        if not allowed:
            await self.close(code=REFUSED)
            return
        await self.send_json(payload)

    async def disconnect(self, code: int) -> None:
        watchdog = getattr(self, "_watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Clients only listen; what they change goes through the HTTP API, which audits it.
        if content.get("type") == "ping":
            await self.send_if_allowed({"type": "pong"})

    async def session_end(self, event: dict[str, Any]) -> None:
        """The person's access ended (signed out, deactivated, moved, locked, revoked): close at once."""
        await self.close(code=REFUSED)

    async def grant_recheck(self, event: dict[str, Any]) -> None:
        """A grant narrowed (an agreement suspended or ended): stay open only if it still holds."""
        allowed, _ = await self._check(None)
        if not allowed:
            await self.close(code=REFUSED)


class CityConsumer(SessionBoundConsumer):
    topic = ""
    allowed_roles: tuple[Role, ...] = ()

    city: City | None = None

    def grant_holds(self, user: User, event: dict[str, Any] | None) -> bool:
        return self.city is not None and user.has_city_role(self.city, *self.allowed_roles)

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

    def _refused(self, city: City, rule: str, user: Any) -> None:
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

    async def connect(self) -> None:
        self.city = await self._authorise()
        self.groups_joined = []
        if self.city is None:
            await self.close(code=REFUSED)
            return
        await self.join_session_groups([city_group(self.city, self.topic)])
        allowed, expires = await self._check(None)
        if not allowed:
            await self.close(code=REFUSED)
            return
        await self.accept()
        self.start_watchdog(expires)
        await self.send_json({"type": "hello", "city": self.city.slug, "topic": self.topic})
