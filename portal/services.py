"""Use cases on people: changing what a user may do ends their open sessions' sockets at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from audits.events import EventType
from audits.services import audit_record
from portal.live import sockets_close_for_user
from portal.models import User
from portal.roles import Role


class SupervisorRefusal(Exception):
    """Only an active partner user with an agency can be named their agency's supervisor."""


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


def agency_supervisor_set(
    *, user: User, supervises: bool, by: User, request: HttpRequest | None = None
) -> bool:
    """Name ``user`` a supervisor of their partner agency (or remove them); returns whether it changed.

    A named supervisor approves or refuses the searches of their agency that the policy screen held
    (``sharing.services.holds``). Only installation staff name them (the Django admin); the change is
    one transaction with its audit entry in the installation chain, naming the agency.
    """
    if not (by.is_active and by.is_staff):
        raise PermissionDenied("Only installation staff name an agency's supervisors.")
    if supervises and not (user.role == Role.PARTNER and user.agency_id is not None and user.is_active):
        raise SupervisorRefusal("Only an active partner user of an agency can supervise it.")
    with transaction.atomic():
        changed = (
            User.objects.filter(pk=user.pk)
            .exclude(supervises_agency=supervises)
            .update(supervises_agency=supervises)
        )
        user.supervises_agency = supervises
        if not changed:
            return False
        audit_record(
            event_type=EventType.AGENCY_SUPERVISOR_NAMED
            if supervises
            else EventType.AGENCY_SUPERVISOR_REMOVED,
            city=None,
            actor=by,
            agency=user.agency,
            target_type="user",
            target_id=str(user.public_id),
            details={
                "username": user.get_username(),
                "agency": str(user.agency.public_id) if user.agency is not None else None,
                "agency_name": user.agency.name if user.agency is not None else "",
                "supervises_agency": supervises,
            },
            request=request,
        )
    return True
