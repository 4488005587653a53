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

That check runs before every message, so it is kept cheap without checking less: with database
sessions one check is one query (the user with city and agency, the session row's data and expiry
and the two-step device, in one statement; ``session_state``), and the checks of one process's
sockets that fall due together, as when one hit goes to every dispatcher, share their queries
(``socket_checks``, ``session_states``: three queries for the batch). Channels runs a process's
database work on one thread, one call at a time; before this each message cost four or five
queries there, and under load (docs/reliability.md, "Load") the backlog outgrew the channel layer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
import weakref
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.apps import apps
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.refusals import refusal_record
from portal.access import RULE_NOT_MEMBER, RULE_NOT_SIGNED_IN, RULE_ROLE, RULES_BY_STATUS
from portal.live import agency_group, broadcast, city_group, session_group, user_group
from portal.models import City, User
from portal.roles import Role

__all__ = [
    "BAD_MESSAGE",
    "REFUSED",
    "CityConsumer",
    "SessionBoundConsumer",
    "broadcast",
    "city_group",
    "user_group",
]

REFUSED = 4403
# A client message that is not a JSON object of at most ``MESSAGE_LIMIT`` characters: the socket
# is closed with this code (one audit entry per socket, so a flood of junk cannot grow the log).
BAD_MESSAGE = 4400
MESSAGE_LIMIT = 4096
RULE_BAD_MESSAGE = RULES_BY_STATUS[400]


def session_state(
    session_key: str | None, user: Any, device_hint: str | None = None
) -> tuple[User | None, dt.datetime | None, str | None]:
    """The user as the database has them now, the session's expiry, and the two-step device the
    session was verified with, if the session behind ``session_key`` still signs ``user`` in;
    ``(None, None, None)`` otherwise.

    With database-backed sessions this is one query (``_session_row_state``): the user with city and
    agency, the session row's data and expiry, whether the user holds a confirmed TOTP device and,
    when ``device_hint`` (the device of the previous check) is given, whether that device is still
    theirs and confirmed. Only when the session names another device than the hint is a second query
    made. Other session engines go through the session store (several queries)."""
    if not session_key or user is None or not user.is_authenticated:
        return None, None, None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if isinstance(store, DatabaseSessionStore):
        return _session_row_state(store, session_key, user, device_hint)
    return _session_store_state(store, user)


def _matches(data: dict[str, Any], user: Any, fresh: User) -> bool:
    """Whether decoded session ``data`` still signs in ``fresh`` as the socket's ``user`` was."""
    if data.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return False
    if not constant_time_compare(data.get(HASH_SESSION_KEY, ""), fresh.get_session_auth_hash()):
        return False  # the password changed (or the session was never this user's)
    # A role, city or agency change ends the session's sockets.
    return (fresh.city_id, fresh.agency_id, fresh.role) == (user.city_id, user.agency_id, user.role)


def _parse_persistent_id(persistent_id: str) -> tuple[type[Device], int] | None:
    """The device model and primary key named by a django-otp persistent id (``app.model/pk``), as
    ``Device.from_persistent_id`` reads it; None if it names none."""
    with suppress(ValueError, LookupError):
        model_label, device_id = persistent_id.rsplit("/", 1)
        app_label, model_name = model_label.split(".")
        device_cls = apps.get_model(app_label, model_name)
        if issubclass(device_cls, Device):
            return device_cls, int(device_id)
    return None


def _verdict(
    store: DatabaseSessionStore,
    user: Any,
    fresh: User | None,
    row: tuple[str, dt.datetime] | None,
    device_hint: str | None,
    hinted_device_ok: bool,
) -> tuple[User | None, dt.datetime | None, str | None]:
    """``session_state`` from what the query read: ``fresh`` (the active user, annotated with
    ``socket_has_totp``), the session ``row`` (data and expiry, None if signed out or expired) and
    whether ``device_hint`` is still a confirmed device of the user's."""
    from portal.mfa import mfa_required_by_role, session_verified_for

    if fresh is None or row is None:
        return None, None, None  # gone, deactivated, signed out or past the idle deadline
    encoded, expires = row
    data = store.decode(encoded)  # {} if the signature does not hold
    if not _matches(data, user, fresh):
        return None, None, None
    device: str | None = None
    if mfa_required_by_role(fresh) or getattr(fresh, "socket_has_totp", False):
        device = data.get(DEVICE_ID_SESSION_KEY) or None
        if device is None:
            return None, None, None  # two-step sign-in not passed in this session
        if device_hint is not None and device == device_hint:
            verified = hinted_device_ok
        else:  # first check of the socket, or the session was verified again with another device
            verified = session_verified_for(fresh, data)
        if not verified:
            return None, None, None  # the device was removed or reset since
    return fresh, expires, device


def _has_totp() -> Exists:
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def _session_row_state(
    store: DatabaseSessionStore, session_key: str, user: Any, device_hint: str | None
) -> tuple[User | None, dt.datetime | None, str | None]:
    rows = store.model.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
    query = (
        get_user_model()
        .objects.filter(pk=user.pk, is_active=True)
        .select_related("city", "agency")
        .annotate(
            socket_session_data=Subquery(rows.values("session_data")[:1]),
            socket_session_expires=Subquery(rows.values("expire_date")[:1]),
            socket_has_totp=_has_totp(),
        )
    )
    hinted = _parse_persistent_id(device_hint) if device_hint else None
    if hinted is not None:
        device_cls, device_pk = hinted
        devices = device_cls.objects.filter(pk=device_pk, user=OuterRef("pk"), confirmed=True)
        query = query.annotate(socket_hinted_device=Exists(devices))
    fresh = query.first()
    encoded: str | None = getattr(fresh, "socket_session_data", None)
    expires: dt.datetime | None = getattr(fresh, "socket_session_expires", None)
    row = (encoded, expires) if encoded is not None and expires is not None else None
    hinted_ok = bool(getattr(fresh, "socket_hinted_device", False)) and hinted is not None
    return _verdict(store, user, fresh, row, device_hint if hinted else None, hinted_ok)


def session_states(
    requests: list[tuple[str | None, Any, str | None]],
) -> list[tuple[User | None, dt.datetime | None, str | None]]:
    """``session_state`` for many sockets at once (``(session_key, user, device_hint)`` each), as
    one process checks them when it delivers one event to many sockets: with database-backed
    sessions, one query for the session rows, one for the users (with city, agency and whether
    they hold a confirmed TOTP device) and one per kind of hinted device, whatever their number.
    A single request is ``session_state`` (one query)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(None)
    if len(requests) < 2 or not isinstance(store, DatabaseSessionStore):
        return [session_state(*request) for request in requests]
    valid = [
        (key, user, hint)
        for key, user, hint in requests
        if key and user is not None and user.is_authenticated
    ]
    rows: dict[str, tuple[str, dt.datetime]] = {
        key: (data, expires)
        for key, data, expires in store.model.objects.filter(
            session_key__in={key for key, _, _ in valid}, expire_date__gt=timezone.now()
        ).values_list("session_key", "session_data", "expire_date")
    }
    users: dict[Any, User] = {
        fresh.pk: fresh
        for fresh in get_user_model()
        .objects.filter(pk__in={user.pk for _, user, _ in valid}, is_active=True)
        .select_related("city", "agency")
        .annotate(socket_has_totp=_has_totp())
    }
    wanted: dict[type[Device], set[int]] = {}
    for _, _, hint in valid:
        parsed = _parse_persistent_id(hint) if hint else None
        if parsed is not None:
            wanted.setdefault(parsed[0], set()).add(parsed[1])
    confirmed: set[tuple[str, Any]] = set()  # (persistent id, user pk) of confirmed hinted devices
    for device_cls, pks in wanted.items():
        label = device_cls.model_label()
        for device_pk, user_pk in device_cls.objects.filter(pk__in=pks, confirmed=True).values_list(
            "pk", "user_id"
        ):
            confirmed.add((f"{label}/{device_pk}", user_pk))
    states: list[tuple[User | None, dt.datetime | None, str | None]] = []
    for key, user, hint in requests:
        if not key or user is None or not user.is_authenticated:
            states.append((None, None, None))
            continue
        hinted_ok = hint is not None and (hint, user.pk) in confirmed
        states.append(_verdict(store, user, users.get(user.pk), rows.get(key), hint, hinted_ok))
    return states


@dataclass
class _CheckRequest:
    session_key: str | None
    user: Any
    device_hint: str | None
    grant: Callable[[User], bool]
    future: asyncio.Future[tuple[bool, dt.datetime | None, str | None]]


def _run_checks(
    batch: list[_CheckRequest],
) -> list[tuple[bool, dt.datetime | None, str | None] | Exception]:
    states = session_states([(r.session_key, r.user, r.device_hint) for r in batch])
    results: list[tuple[bool, dt.datetime | None, str | None] | Exception] = []
    for request, (fresh, expires, device) in zip(batch, states, strict=True):
        try:
            allowed = fresh is not None and request.grant(fresh)
        except Exception as exc:  # that socket's failure, not its neighbours'
            results.append(exc)
            continue
        results.append((True, expires, device) if allowed else (False, None, device))
    return results


class _SocketChecks:
    """Coalesces the checks of one process's sockets: a check waits for the batch after the one in
    progress (never joins one already reading the database, so it sees every change committed
    before it was asked), and each batch is one ``session_states`` call in the database thread.
    With no load a batch is one check; when one event reaches many sockets, their checks share
    the queries."""

    def __init__(self) -> None:
        self.pending: list[_CheckRequest] = []
        self.draining = False

    async def check(
        self, session_key: str | None, user: Any, device_hint: str | None, grant: Callable[[User], bool]
    ) -> tuple[bool, dt.datetime | None, str | None]:
        future: asyncio.Future[tuple[bool, dt.datetime | None, str | None]] = (
            asyncio.get_running_loop().create_future()
        )
        self.pending.append(_CheckRequest(session_key, user, device_hint, grant, future))
        if not self.draining:
            self.draining = True
            asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    results = await database_sync_to_async(_run_checks)(batch)
                except Exception as exc:
                    results = [exc] * len(batch)
                for request, result in zip(batch, results, strict=True):
                    if request.future.done():  # its socket went away meanwhile
                        continue
                    if isinstance(result, Exception):
                        request.future.set_exception(result)
                    else:
                        request.future.set_result(result)
        finally:
            self.draining = False


_checks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SocketChecks] = weakref.WeakKeyDictionary()


def socket_checks() -> _SocketChecks:
    """This event loop's (this process's) check coalescer."""
    loop = asyncio.get_running_loop()
    checks = _checks.get(loop)
    if checks is None:
        checks = _checks[loop] = _SocketChecks()
    return checks


def _session_store_state(store: Any, user: Any) -> tuple[User | None, dt.datetime | None, str | None]:
    """``session_state`` for session engines without a database row (cache, signed cookies)."""
    from portal.mfa import mfa_required, session_verified_for

    data = store.load()  # {} once the session was flushed (signed out) or has expired
    fresh = (
        get_user_model().objects.filter(pk=user.pk, is_active=True).select_related("city", "agency").first()
    )
    if fresh is None or not _matches(data, user, fresh):
        return None, None, None
    if mfa_required(fresh) and not session_verified_for(fresh, data):
        return None, None, None
    return fresh, None, data.get(DEVICE_ID_SESSION_KEY)


class SessionBoundConsumer(AsyncJsonWebsocketConsumer):
    """A socket that ends with its session and its grant. Subclasses implement ``grant_holds``."""

    groups_joined: list[str]
    session_key: str | None

    def grant_holds(self, user: User, event: dict[str, Any] | None) -> bool:
        """Whether ``user`` (fresh from the database) may still receive ``event`` (None: in general).
        Runs in a worker thread with database access."""
        raise NotImplementedError

    # The two-step device the session was verified with at the last check (lets the next check
    # confirm it in the same query as the rest).
    device_hint: str | None = None

    async def _check(self, event: dict[str, Any] | None) -> tuple[bool, dt.datetime | None]:
        """The session and the grant checked again, in the database, now (``socket_checks``
        shares the queries with the process's other sockets checking at the same moment)."""
        allowed, expires, self.device_hint = await socket_checks().check(
            self.session_key,
            self.scope.get("user"),
            self.device_hint,
            lambda fresh: self.grant_holds(fresh, event),
        )
        return allowed, expires

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
        await self.send_text_if_allowed(await self.encode_json(payload), event)

    async def send_text_if_allowed(self, text: str, event: dict[str, Any] | None = None) -> None:
        """Send ``text`` (a message already encoded, once for every socket it goes to) if the
        session and the grant still hold; close the socket otherwise."""
        allowed, _ = await self._check(event)
        if not allowed:
            await self.close(code=REFUSED)
            return
        await self.send(text_data=text)

    async def disconnect(self, code: int) -> None:
        watchdog = getattr(self, "_watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        """A client sends at most a ping (a JSON object); anything else (a binary frame, text that is
        not JSON, JSON that is not an object, an oversized message) is refused and closes the socket
        instead of raising inside the consumer."""
        content: Any = None
        if text_data is not None and len(text_data) <= MESSAGE_LIMIT:
            with suppress(ValueError, RecursionError):
                content = await self.decode_json(text_data)
        if not isinstance(content, dict):
            await self.refuse_message()
            return
        await self.receive_json(content, **kwargs)

    async def refuse_message(self) -> None:
        await database_sync_to_async(self.record_message_refusal)()
        await self.close(code=BAD_MESSAGE)

    def record_message_refusal(self) -> None:
        """Audit a refused client message where there is a city to audit it in (``CityConsumer``)."""

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

    def record_message_refusal(self) -> None:
        if self.city is not None:
            self._refused(self.city, RULE_BAD_MESSAGE, self.scope.get("user"), status=BAD_MESSAGE)

    def _refused(self, city: City, rule: str, user: Any, status: int = REFUSED) -> None:
        client = self.scope.get("client") or (None, None)
        refusal_record(
            city=city,
            rule=rule,
            via="websocket",
            status=status,
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
