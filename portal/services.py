"""Use cases on people: changing what a user may do ends their open sessions' sockets at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from audits.events import EventType
from audits.services import audit_record
from portal.live import sockets_close_for_user
from portal.models import User

# A change to any of these ends the person's open sockets (they reconnect under the new grant).
ACCESS_FIELDS = ("is_active", "role", "city", "agency", "password")


def user_access_changed(
    *,
    user: User,
    by: User | None,
    changed: Iterable[str],
    before: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> bool:
    """Record that ``user``'s access changed (deactivated, another role, city or agency, a new
    password) and close every socket they hold, after commit. Returns whether anything relevant
    changed. Call it inside the transaction that saved the user."""
    fields = sorted(set(changed) & set(ACCESS_FIELDS))
    if not fields:
        return False
    with transaction.atomic():
        audit_record(
            event_type=EventType.USER_ACCESS_CHANGED,
            city=user.city or (before or {}).get("city"),
            actor=by,
            target_type="user",
            target_id=str(user.public_id),
            details={
                "fields": fields,
                "is_active": user.is_active,
                "role": user.role,
                "city": user.city.slug if user.city else None,
                "agency": str(user.agency.public_id) if user.agency else None,
            },
            request=request,
        )
        sockets_close_for_user(user_public_id=user.public_id, reason="access changed")
    return True
