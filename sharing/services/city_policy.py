"""The city's policy: every change by the chief, every change audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from audits.events import EventType
from audits.services import audit_record
from portal.models import City, User
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.models import (
    EDITABLE_POLICY_FIELDS,
    CityPolicy,
)
from sharing.policy.offenses import ALL_OFFENSE_CODES
from sharing.policy.types import (
    PROHIBITED_PURPOSES,
)
from sharing.services.common import require_city_role


def _policy_value(name: str, value: Any) -> Any:
    if name in ("prohibited_purposes", "permitted_offense_types"):
        return sorted(set(value))
    return value


def city_policy_update(
    *, city: City, by: User, values: Mapping[str, Any], request: HttpRequest | None = None
) -> CityPolicy:
    """Change the city's policy (the chief only). One audit entry per changed value, old and new.

    The first change saves the preset (audited as ``policy.created``). A new retention period is
    written to ``City.retention_days`` in the same transaction.
    """
    require_city_role(by, city, Role.CHIEF)
    unknown = set(values) - set(EDITABLE_POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not editable policy values: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if set(values.get("prohibited_purposes", ())) - PROHIBITED_PURPOSES:
        errors["prohibited_purposes"] = "Unknown prohibited purpose."
    if set(values.get("permitted_offense_types", ())) - ALL_OFFENSE_CODES:
        errors["permitted_offense_types"] = "Unknown offense type."
    if errors:
        raise ValidationError(errors)
    with city_scope(city), transaction.atomic():
        policy = CityPolicy.objects.select_for_update().filter(city=city).first()
        created = policy is None
        if policy is None:
            policy = CityPolicy.from_preset(city)
        old = policy.values()
        for name, value in values.items():
            setattr(policy, name, _policy_value(name, value))
        policy.full_clean(exclude=["city", "updated_by"], validate_constraints=False)
        new = policy.values()
        changed = [name for name in EDITABLE_POLICY_FIELDS if old[name] != new[name]]
        if not changed and not created:
            return policy
        policy.updated_by = by
        policy.save()
        if created:
            audit_record(
                event_type=EventType.POLICY_CREATED,
                city=city,
                actor=by,
                target_type="city_policy",
                target_id=str(city.public_id),
                details={"preset": policy.preset, "values": old},
                request=request,
            )
        for name in changed:
            audit_record(
                event_type=EventType.POLICY_CHANGED,
                city=city,
                actor=by,
                target_type="city_policy",
                target_id=str(city.public_id),
                details={"field": name, "old": old[name], "new": new[name]},
                request=request,
            )
        if "retention_days" in changed:
            City.objects.filter(pk=city.pk).update(retention_days=policy.retention_days)
            city.retention_days = policy.retention_days
    return policy
