"""Sharing agreements: drafting under the policy engine, and every transition of the state machine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_fsm import can_proceed

from audits.events import EventType
from audits.models import Outcome
from audits.services import audit_record
from cameras.models import Camera
from portal.live import sockets_recheck_for_agency
from portal.models import Agency, City, User
from portal.object_permissions import holds, object_permission_grant, object_permission_revoke
from portal.roles import Role
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.models import (
    EDIT_AGREEMENT_DRAFT,
    AgreementState,
    SharingAgreement,
)
from sharing.policy.types import (
    RULE_AGENCY_BLOCKED,
    RULE_AGENCY_DECLARATION,
)
from sharing.selectors import (
    agency_cut_off,
    agency_profile,
    agreements_past_their_end,
    another_active_agreement_exists,
    block_citation,
    blocked_agency_names,
    city_policy_of,
    city_today,
    engine_policy_of,
    permanent_block_covering,
)
from sharing.services.common import AGREEMENT_EDITORS, AgreementStateError, PolicyRefusal, require_city_role


def _agreement_details(agreement: SharingAgreement, **extra: Any) -> dict[str, Any]:
    return {
        "agreement": str(agreement.public_id),
        "partner_agency": agreement.partner_agency.name,
        "partner_agency_id": str(agreement.partner_agency.public_id),
        **extra,
    }


def _agreement_decision(
    *, city: City, agency: Agency, agreement: SharingAgreement | None, at_drafting: bool
) -> engine.Decision:
    """The engine's verdict on an agreement with ``agency``. A missing declaration does not stop a
    draft (it is signed before approval) but does stop submission and approval.

    The city's permanent block list goes to the engine (names of blocked agencies and their parent
    organisations), and the registry's parent chain is checked directly as well, so a unit, sibling
    or parent of a blocked agency is refused under any name, with the revocation cited."""
    decision = engine.evaluate_agreement(
        agency_profile(agency, agreement=agreement),
        engine_policy_of(city),
        blocked_agency_names=blocked_agency_names(city=city),
    )
    block = permanent_block_covering(city=city, agency=agency)
    if block is not None:
        citation = engine.Violation(RULE_AGENCY_BLOCKED, block_citation(block), (block.agency_name,))
        others = [v for v in decision.violations if v.rule != RULE_AGENCY_BLOCKED]
        return engine.Decision.deny([citation, *others])
    if at_drafting and not decision.allowed:
        remaining = [v for v in decision.violations if v.rule != RULE_AGENCY_DECLARATION]
        decision = engine.Decision.deny(remaining) if remaining else engine.Decision.allow()
    return decision


def _refuse_agreement(
    *,
    city: City,
    by: User,
    agency: Agency,
    decision: engine.Decision,
    stage: str,
    agreement: SharingAgreement | None,
    request: HttpRequest | None,
) -> None:
    """Record the refusal (in its own transaction, so it survives) and raise ``PolicyRefusal``."""
    with transaction.atomic():
        audit_record(
            event_type=EventType.AGREEMENT_REFUSED,
            city=city,
            actor=by,
            target_type="sharing_agreement",
            target_id=str(agreement.public_id) if agreement is not None else "",
            details={
                "stage": stage,
                "partner_agency": agency.name,
                "partner_agency_id": str(agency.public_id),
                "rule": decision.rule,
                "rules": list(decision.rules),
                "message": decision.message,
            },
            outcome=Outcome.DENIED,
            request=request,
        )
    raise PolicyRefusal(decision)


def _checked_terms(
    *,
    city: City,
    by: User,
    partner_agency: Agency,
    starts_on: dt.date,
    ends_on: dt.date,
    all_cameras: bool,
    cameras: Iterable[Camera],
    permitted_offense_types: Iterable[str],
    declaration_signed_by: str,
    declaration_signed_at: dt.datetime | None,
    request: HttpRequest | None,
    agreement: SharingAgreement | None = None,
) -> tuple[list[Camera], list[str]]:
    """The terms of a draft, drafted or edited by a clerk or the chief: the cameras and offense types
    as kept, or ``ValidationError`` when inconsistent, ``PolicyRefusal`` (audited) when the city's
    policy forbids an agreement with the agency."""
    cameras = list(cameras)
    offenses = sorted(set(permitted_offense_types))
    errors: dict[str, str] = {}
    if city.own_agency_id is not None and partner_agency.pk == city.own_agency_id:
        errors["partner_agency"] = "The city's own department needs no sharing agreement."
    if ends_on < starts_on:
        errors["ends_on"] = "The agreement must end on or after the day it starts."
    if not all_cameras and not cameras:
        errors["cameras"] = "Choose at least one camera, or share all cameras."
    if any(camera.city_id != city.pk for camera in cameras):
        errors["cameras"] = "Choose cameras of this city."
    city_offenses = set(city_policy_of(city).permitted_offense_types)
    if set(offenses) - city_offenses:
        errors["permitted_offense_types"] = "Choose offense types that the city's policy permits."
    if bool(declaration_signed_by.strip()) != (declaration_signed_at is not None):
        errors["declaration_signed_by"] = "Give both who signed the declaration and when, or neither."
    if errors:
        raise ValidationError(errors)
    decision = _agreement_decision(city=city, agency=partner_agency, agreement=agreement, at_drafting=True)
    if not decision.allowed:
        _refuse_agreement(
            city=city,
            by=by,
            agency=partner_agency,
            decision=decision,
            stage="draft",
            agreement=agreement,
            request=request,
        )
    return cameras, offenses


def agreement_draft(
    *,
    city: City,
    by: User,
    partner_agency: Agency,
    starts_on: dt.date,
    ends_on: dt.date,
    all_cameras: bool = True,
    cameras: Iterable[Camera] = (),
    allow_partial_plate: bool = False,
    hotlist_alerts: bool = False,
    permitted_offense_types: Iterable[str] = (),
    declaration_signed_by: str = "",
    declaration_signed_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> SharingAgreement:
    """Draft an agreement (a clerk or the chief). Raises ``PolicyRefusal`` (audited) when the city's
    policy forbids an agreement with this agency, ``ValidationError`` for inconsistent terms."""
    require_city_role(by, city, *AGREEMENT_EDITORS)
    cameras, offenses = _checked_terms(
        city=city,
        by=by,
        partner_agency=partner_agency,
        starts_on=starts_on,
        ends_on=ends_on,
        all_cameras=all_cameras,
        cameras=cameras,
        permitted_offense_types=permitted_offense_types,
        declaration_signed_by=declaration_signed_by,
        declaration_signed_at=declaration_signed_at,
        request=request,
    )
    with city_scope(city), transaction.atomic():
        agreement = SharingAgreement.objects.create(
            city=city,
            partner_agency=partner_agency,
            all_cameras=all_cameras,
            allow_partial_plate=allow_partial_plate,
            hotlist_alerts=hotlist_alerts,
            permitted_offense_types=offenses,
            starts_on=starts_on,
            ends_on=ends_on,
            declaration_signed_by=declaration_signed_by.strip(),
            declaration_signed_at=declaration_signed_at,
            drafted_by=by,
        )
        if not all_cameras:
            agreement.cameras.set(cameras)
        audit_record(
            event_type=EventType.AGREEMENT_DRAFTED,
            city=city,
            actor=by,
            target_type="sharing_agreement",
            target_id=str(agreement.public_id),
            details=_agreement_details(
                agreement,
                starts_on=starts_on.isoformat(),
                ends_on=ends_on.isoformat(),
                all_cameras=all_cameras,
                cameras=[str(camera.public_id) for camera in cameras] if not all_cameras else [],
                allow_partial_plate=allow_partial_plate,
                hotlist_alerts=hotlist_alerts,
                permitted_offense_types=offenses,
                declaration_signed_by=agreement.declaration_signed_by,
                declaration_signed_at=declaration_signed_at.isoformat() if declaration_signed_at else None,
            ),
            request=request,
        )
    return agreement


def agreement_edit(
    *,
    agreement: SharingAgreement,
    by: User,
    partner_agency: Agency,
    starts_on: dt.date,
    ends_on: dt.date,
    all_cameras: bool = True,
    cameras: Iterable[Camera] = (),
    allow_partial_plate: bool = False,
    hotlist_alerts: bool = False,
    permitted_offense_types: Iterable[str] = (),
    declaration_signed_by: str = "",
    declaration_signed_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> SharingAgreement:
    """Change the terms of a draft, checked as at drafting. Only a draft can
    change: once submitted, the chief approves or sends back what was submitted. Staff assigned to
    this draft (``agreement_draft_editor_grant``) edit it too."""
    city = agreement.city
    if not (by.has_city_role(city, *AGREEMENT_EDITORS) or holds(by, agreement, EDIT_AGREEMENT_DRAFT)):
        raise PermissionDenied("Only the clerks, the chief and this draft's assigned editors edit it.")
    cameras, offenses = _checked_terms(
        city=city,
        by=by,
        partner_agency=partner_agency,
        starts_on=starts_on,
        ends_on=ends_on,
        all_cameras=all_cameras,
        cameras=cameras,
        permitted_offense_types=permitted_offense_types,
        declaration_signed_by=declaration_signed_by,
        declaration_signed_at=declaration_signed_at,
        request=request,
        agreement=agreement,
    )
    terms = {
        "partner_agency": partner_agency,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "all_cameras": all_cameras,
        "allow_partial_plate": allow_partial_plate,
        "hotlist_alerts": hotlist_alerts,
        "permitted_offense_types": offenses,
        "declaration_signed_by": declaration_signed_by.strip(),
        "declaration_signed_at": declaration_signed_at,
    }
    with city_scope(city), transaction.atomic():
        locked = SharingAgreement.objects.select_for_update().get(pk=agreement.pk)
        if locked.state != AgreementState.DRAFT:
            raise ValidationError(
                {"__all__": "Only a draft can be edited; this agreement has been submitted."}
            )
        changed: dict[str, dict[str, object]] = {}
        for name, value in terms.items():
            old = getattr(locked, name)
            if old != value:
                changed[name] = {"from": _shown(old), "to": _shown(value)}
            setattr(locked, name, value)
        old_cameras = sorted(str(c.public_id) for c in locked.cameras.all())
        new_cameras = sorted(str(c.public_id) for c in cameras) if not all_cameras else []
        if old_cameras != new_cameras:
            changed["cameras"] = {"from": old_cameras, "to": new_cameras}
        locked.save()
        locked.cameras.set(cameras if not all_cameras else [])
        audit_record(
            event_type=EventType.AGREEMENT_EDITED,
            city=city,
            actor=by,
            target_type="sharing_agreement",
            target_id=str(locked.public_id),
            details={"changed": changed},
            request=request,
        )
    return locked


def _shown(value: object) -> object:
    if isinstance(value, Agency):
        return value.name
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


_VERBS = {
    "submit": "submitted",
    "send_back": "sent back",
    "approve": "approved",
    "suspend": "suspended",
    "reinstate": "reinstated",
    "revoke": "revoked",
    "expire": "expired",
}
# Each action's transition method on the model, named where it is called (no lookup by string).
_METHODS = {
    "submit": SharingAgreement.submit,
    "send_back": SharingAgreement.send_back,
    "approve": SharingAgreement.approve,
    "suspend": SharingAgreement.suspend,
    "reinstate": SharingAgreement.reinstate,
    "revoke": SharingAgreement.revoke,
    "expire": SharingAgreement.expire,
}
_EVENTS = {
    "submit": EventType.AGREEMENT_SUBMITTED,
    "send_back": EventType.AGREEMENT_SENT_BACK,
    "approve": EventType.AGREEMENT_APPROVED,
    "suspend": EventType.AGREEMENT_SUSPENDED,
    "reinstate": EventType.AGREEMENT_REINSTATED,
    "revoke": EventType.AGREEMENT_REVOKED,
    "expire": EventType.AGREEMENT_EXPIRED,
}


def _transition(
    *,
    agreement: SharingAgreement,
    by: User | None,
    action: str,
    reason: str = "",
    request: HttpRequest | None = None,
    extra: Mapping[str, Any] | None = None,
) -> SharingAgreement:
    """Run one transition in one transaction with its audit entry. The row is locked and the save is
    a conditional UPDATE on the state it was read in, so a concurrent transition cannot also win."""
    city = agreement.city
    with city_scope(city), transaction.atomic():
        fresh = (
            SharingAgreement.objects.select_for_update().select_related("partner_agency").get(pk=agreement.pk)
        )
        method = _METHODS[action].__get__(fresh)
        if not can_proceed(method):
            raise AgreementStateError(
                f"This agreement is {fresh.get_state_display().lower()}; it cannot be {_VERBS[action]}."
            )
        before = fresh.state
        method()
        now = timezone.now()
        fresh.state_changed_at = now
        if reason:
            fresh.state_reason = reason[:500]
        if action == "submit":
            fresh.submitted_at = now
        if action == "approve":
            fresh.approved_by = by
            fresh.approved_at = now
        fresh.save()
        audit_record(
            event_type=_EVENTS[action],
            city=city,
            actor=by,
            target_type="sharing_agreement",
            target_id=str(fresh.public_id),
            details=_agreement_details(
                fresh, **{"from": before, "to": fresh.state, "reason": reason, **(extra or {})}
            ),
            request=request,
        )
        if action in _GRANT_ENDING:
            # The partner's open alert sockets ask again whether they may stay open.
            sockets_recheck_for_agency(
                agency_public_id=fresh.partner_agency.public_id, reason=f"agreement {fresh.state}"
            )
    return fresh


_GRANT_ENDING = frozenset({"suspend", "revoke", "expire"})


def _check_before_activation(
    *, agreement: SharingAgreement, by: User, stage: str, request: HttpRequest | None
) -> None:
    """Submission, approval and reinstatement run the policy engine again (the policy or the agency's
    registry entry may have changed since drafting) and need the signed declaration."""
    city = agreement.city
    agency = Agency.objects.get(pk=agreement.partner_agency_id)  # the registry as it stands now
    decision = _agreement_decision(city=city, agency=agency, agreement=agreement, at_drafting=False)
    if not decision.allowed:
        _refuse_agreement(
            city=city,
            by=by,
            agency=agency,
            decision=decision,
            stage=stage,
            agreement=agreement,
            request=request,
        )
    cut_off = agency_cut_off(city=city, agency=agency)
    if cut_off is not None and cut_off.kind == "suspended":
        raise AgreementStateError(cut_off.message + " Decide the case first.")
    if not agreement.has_signed_declaration():
        raise AgreementStateError(
            "The partner has not signed the declaration (no use for prohibited purposes, no onward "
            "sharing). Record who signed it and when first."
        )
    if stage != "submit" and agreement.ends_on < city_today(city):
        raise AgreementStateError("The agreement's end date has passed.")
    if stage != "submit" and another_active_agreement_exists(agreement=agreement):
        raise AgreementStateError(
            f"{agreement.partner_agency.name} already has an active agreement; suspend or revoke it first."
        )


def agreement_submit(
    *, agreement: SharingAgreement, by: User, request: HttpRequest | None = None
) -> SharingAgreement:
    """Draft to awaiting the chief (a clerk or the chief). Re-runs the policy engine."""
    require_city_role(by, agreement.city, *AGREEMENT_EDITORS)
    _check_before_activation(agreement=agreement, by=by, stage="submit", request=request)
    return _transition(agreement=agreement, by=by, action="submit", request=request)


def agreement_send_back(
    *, agreement: SharingAgreement, by: User, reason: str, request: HttpRequest | None = None
) -> SharingAgreement:
    """Awaiting the chief back to draft (the chief), with the reason."""
    require_city_role(by, agreement.city, Role.CHIEF)
    return _transition(agreement=agreement, by=by, action="send_back", reason=reason, request=request)


def agreement_approve(
    *, agreement: SharingAgreement, by: User, request: HttpRequest | None = None
) -> SharingAgreement:
    """Awaiting the chief to active (the chief). Re-runs the policy engine; refusals are audited."""
    require_city_role(by, agreement.city, Role.CHIEF)
    _check_before_activation(agreement=agreement, by=by, stage="approve", request=request)
    return _transition(agreement=agreement, by=by, action="approve", request=request)


def agreement_suspend(
    *, agreement: SharingAgreement, by: User, reason: str, request: HttpRequest | None = None
) -> SharingAgreement:
    """Active to suspended (the chief): searches stop at once."""
    require_city_role(by, agreement.city, Role.CHIEF)
    return _transition(agreement=agreement, by=by, action="suspend", reason=reason, request=request)


def agreement_reinstate(
    *, agreement: SharingAgreement, by: User, request: HttpRequest | None = None
) -> SharingAgreement:
    """Suspended back to active (the chief). Re-runs the policy engine."""
    require_city_role(by, agreement.city, Role.CHIEF)
    _check_before_activation(agreement=agreement, by=by, stage="reinstate", request=request)
    return _transition(agreement=agreement, by=by, action="reinstate", request=request)


def agreement_revoke(
    *, agreement: SharingAgreement, by: User, reason: str, request: HttpRequest | None = None
) -> SharingAgreement:
    """Awaiting, active or suspended to revoked, for good (the chief), with the grounds."""
    require_city_role(by, agreement.city, Role.CHIEF)
    return _transition(agreement=agreement, by=by, action="revoke", reason=reason, request=request)


def agreement_expire(*, agreement: SharingAgreement, by: User | None = None) -> SharingAgreement:
    """Active or suspended to expired once its end date has passed (the daily job)."""
    if agreement.ends_on >= city_today(agreement.city):
        raise AgreementStateError("The agreement has not reached its end date.")
    return _transition(
        agreement=agreement, by=by, action="expire", extra={"ends_on": agreement.ends_on.isoformat()}
    )


def agreement_expire_due() -> int:
    """Expire every agreement past its end date, city by city. Safe to run twice (or concurrently):
    each transition is a locked, conditional UPDATE and a lost race is skipped."""
    expired = 0
    for city in City.objects.order_by("pk"):
        for agreement in agreements_past_their_end(city=city):
            try:
                agreement_expire(agreement=agreement)
            except AgreementStateError:
                continue
            expired += 1
    return expired


# --- draft editors (django-guardian, per agreement) ------------------------------------------------


def agreement_draft_editor_grant(
    *, agreement: SharingAgreement, user: User, by: User, request: HttpRequest | None = None
) -> bool:
    """A clerk or the chief lets one more of the city's staff edit this draft (audited); False when
    they could already. Only a draft takes new editors."""
    if agreement.state != AgreementState.DRAFT:
        raise AgreementStateError("Only a draft takes editors; this agreement has been submitted.")
    return object_permission_grant(
        obj=agreement,
        permission=EDIT_AGREEMENT_DRAFT,
        user=user,
        by=by,
        granters=AGREEMENT_EDITORS,
        request=request,
    )


def agreement_draft_editor_revoke(
    *, agreement: SharingAgreement, user: User, by: User, request: HttpRequest | None = None
) -> bool:
    """Take the right to edit this draft from ``user`` (audited); False when they did not hold it."""
    return object_permission_revoke(
        obj=agreement,
        permission=EDIT_AGREEMENT_DRAFT,
        user=user,
        by=by,
        granters=AGREEMENT_EDITORS,
        request=request,
    )
