"""Live channels: group names, the broadcast helper, and what ends a socket.

Every socket joins three groups besides its topic: its user's (``user.<id>``), its session's
(``session.<hash of the key>``) and, for partner users, its agency's. A service that ends access
sends ``session.end`` to one of them after commit (``sockets_close_*``); a service that narrows a
grant sends ``grant.recheck`` so that each socket asks again whether it may stay open.

This module sits below services and consumers alike: it imports no app.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


class _HasPublicId(Protocol):
    @property
    def public_id(self) -> uuid.UUID: ...


SESSION_END = "session.end"
GRANT_RECHECK = "grant.recheck"


def city_group(city: _HasPublicId, topic: str) -> str:
    return f"city.{city.public_id.hex}.{topic}"


def user_group(user_public_id: uuid.UUID) -> str:
    return f"user.{user_public_id.hex}"


def session_group(session_key: str) -> str:
    """The session key is a secret: the group is named after its hash, never the key itself."""
    return f"session.{hashlib.sha256(session_key.encode()).hexdigest()[:40]}"


def agency_group(agency_public_id: uuid.UUID) -> str:
    return f"agency.{agency_public_id.hex}.sessions"


def broadcast(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to a group from synchronous code (call it from ``transaction.on_commit``).

    A channel layer that is down must not undo what already committed: the failure is logged, and
    every socket re-checks its session and grant before each message it sends anyway.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("Could not send %s to %s", message.get("type"), group)


def _on_commit_send(groups: list[str], message: dict[str, Any]) -> None:
    def send() -> None:
        for group in groups:
            broadcast(group, message)

    transaction.on_commit(send)


def sockets_close_for_user(*, user_public_id: uuid.UUID, reason: str) -> None:
    """Close every socket of one person, once the current transaction commits."""
    _on_commit_send([user_group(user_public_id)], {"type": SESSION_END, "reason": reason})


def sockets_close_for_session(*, session_key: str | None, reason: str) -> None:
    """Close the sockets opened under one session (its sign-out), once the transaction commits."""
    if session_key:
        _on_commit_send([session_group(session_key)], {"type": SESSION_END, "reason": reason})


def sockets_recheck_for_agency(*, agency_public_id: uuid.UUID, reason: str) -> None:
    """Ask every socket of an agency's users to check its grant again (an agreement ended)."""
    _on_commit_send([agency_group(agency_public_id)], {"type": GRANT_RECHECK, "reason": reason})
