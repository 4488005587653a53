"""Per-object permissions (django-guardian) on a city's low-count objects: who manages a given
hotlist, who investigates a given revocation case. Never used for reads or hits.

Granted and revoked only through ``object_permission_grant`` / ``object_permission_revoke``, each one
transaction with its audit entry; only staff of the object's city can hold one. The apps name the
permissions on their models (``Meta.permissions``) and call these from their services.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from audits.events import EventType
from audits.services import audit_record
from portal.models import City, User
from portal.roles import Role


def _label(obj) -> str:
    return obj._meta.model_name


def _check(*, obj, user: User, by: User, granters: tuple[Role, ...]) -> City:
    city: City = obj.city
    if not by.has_city_role(city, *granters):
        raise PermissionDenied("Your role does not assign this.")
    if not (user.is_active and user.city_id == city.pk):
        raise ValidationError({"user": "Only the city's own staff can be assigned."})
    return city


def object_permission_grant(
    *,
    obj,
    permission: str,
    user: User,
    by: User,
    granters: tuple[Role, ...],
    request: HttpRequest | None = None,
) -> bool:
    """Give ``user`` ``permission`` (``app.codename``) on ``obj``; False when they held it already."""
    city = _check(obj=obj, user=user, by=by, granters=granters)
    with transaction.atomic():
        if user.has_perm(permission, obj):
            return False
        assign_perm(permission, user, obj)
        audit_record(
            event_type=EventType.PERMISSION_GRANTED,
            city=city,
            actor=by,
            target_type=_label(obj),
            target_id=str(obj.public_id),
            details={"permission": permission, "user": user.get_username(), "user_id": str(user.public_id)},
            request=request,
        )
    return True


def object_permission_revoke(
    *,
    obj,
    permission: str,
    user: User,
    by: User,
    granters: tuple[Role, ...],
    request: HttpRequest | None = None,
) -> bool:
    """Take ``permission`` on ``obj`` from ``user``; False when they did not hold it."""
    city: City = obj.city
    if not by.has_city_role(city, *granters):
        raise PermissionDenied("Your role does not assign this.")
    codename = permission.split(".", 1)[1]
    with transaction.atomic():
        if user not in holders_of(obj, permission):
            return False
        remove_perm(codename, user, obj)
        audit_record(
            event_type=EventType.PERMISSION_REVOKED,
            city=city,
            actor=by,
            target_type=_label(obj),
            target_id=str(obj.public_id),
            details={"permission": permission, "user": user.get_username(), "user_id": str(user.public_id)},
            request=request,
        )
    return True


def holders_of(obj, permission: str) -> list[User]:
    """The users holding ``permission`` on ``obj`` itself (not through a role), by username."""
    codename = permission.split(".", 1)[1]
    users = get_users_with_perms(
        obj, only_with_perms_in=[codename], with_superusers=False, with_group_users=False
    )
    return sorted(users, key=lambda user: user.get_username())


def holds(user: User, obj, permission: str) -> bool:
    """Whether ``user`` (staff of the object's city) holds ``permission`` on ``obj``."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.city_id == obj.city_id
        and user.has_perm(permission, obj)
    )
