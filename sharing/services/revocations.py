"""Revocation cases: open with evidence, review, suspend at once, revoke (for good on immigration
grounds) or dismiss. Every transition is one transaction with its audit entry; cutting an agency off
ends its agreements, its tokens (where no city shares with it any more) and its live sockets at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm
from rest_framework.authtoken.models import Token

from audits.events import EventType
from audits.models import AuditEvent
from audits.services import audit_record
from portal.models import Agency, City, User
from portal.object_permissions import object_permission_grant, object_permission_revoke
from portal.roles import CASE_OPENER_ROLES, CASE_READER_ROLES, Role
from portal.tenancy import city_scope
from sharing.models import (
    INVESTIGATE_CASE,
    PERMANENT_GROUNDS,
    AgreementState,
    PermanentBlock,
    RevocationCase,
    RevocationGrounds,
    Search,
)
from sharing.selectors import (
    agency_with_units,
    agreements_in_effect_for_agency,
    agreements_of_agency_and_units,
)
from sharing.services.agreements import _transition as agreement_transition

logger = logging.getLogger(__name__)

CASE_OPENERS = CASE_OPENER_ROLES


class RevocationStateError(Exception):
    """The case is not in a state that allows this transition. Nothing changed."""


def _case_details(case: RevocationCase, **extra: Any) -> dict[str, Any]:
    return {
        "case": str(case.public_id),
        "reference": case.reference,
        "agency": case.agency.name,
        "agency_id": str(case.agency.public_id),
        "grounds": case.grounds,
        **extra,
    }


def revocation_open(
    *,
    city: City,
    agency: Agency,
    grounds: str,
    by: User,
    summary: str,
    evidence_events: Iterable[AuditEvent] = (),
    evidence_searches: Iterable[Search] = (),
    request: HttpRequest | None = None,
) -> RevocationCase:
    """Open a case against a partner agency (a clerk, an auditor or the chief), with the evidence attached.

    Evidence must be this city's audit entries and searches of the agency or one of its units.
    Raises ``PermissionDenied`` for another role, ``ValidationError`` for bad input.
    """
    if not by.has_city_role(city, *CASE_OPENERS):
        raise PermissionDenied("Clerks, auditors and the chief open revocation cases.")
    events = list(evidence_events)
    searches = list(evidence_searches)
    summary = (summary or "").strip()
    unit_pks = {node.pk for node in agency_with_units(agency)}
    errors: dict[str, str] = {}
    if grounds not in RevocationGrounds.values:
        errors["grounds"] = "Choose the grounds."
    if not summary:
        errors["summary"] = "Say what the evidence shows."
    if city.own_agency_id is not None and agency.pk == city.own_agency_id:
        errors["agency"] = "A case is opened against a partner agency, not the city's own department."
    if any(event.city_id != city.pk or event.agency_id not in unit_pks for event in events):
        errors["evidence_events"] = "Attach audit entries of this city about this agency."
    if any(search.city_id != city.pk or search.agency_id not in unit_pks for search in searches):
        errors["evidence_searches"] = "Attach searches of this city by this agency."
    if errors:
        raise ValidationError(errors)
    with city_scope(city), transaction.atomic():
        case = RevocationCase.objects.create(
            city=city, agency=agency, grounds=grounds, summary=summary, opened_by=by
        )
        case.evidence_events.set(events)
        case.evidence_searches.set(searches)
        audit_record(
            event_type=EventType.REVOCATION_OPENED,
            city=city,
            actor=by,
            agency=agency,
            target_type="revocation_case",
            target_id=str(case.public_id),
            details=_case_details(
                case,
                summary=summary,
                evidence_events=[str(event.public_id) for event in events],
                evidence_searches=[str(search.public_id) for search in searches],
            ),
            request=request,
        )
    return case


_VERBS = {
    "start_review": "review_started",
    "suspend": "suspended",
    "revoke": "revoked",
    "dismiss": "dismissed",
}
_METHODS = {
    "start_review": RevocationCase.start_review,
    "suspend": RevocationCase.suspend,
    "revoke": RevocationCase.revoke,
    "dismiss": RevocationCase.dismiss,
}
_EVENTS = {
    "start_review": EventType.REVOCATION_REVIEW_STARTED,
    "suspend": EventType.REVOCATION_SUSPENDED,
    "revoke": EventType.REVOCATION_REVOKED,
    "dismiss": EventType.REVOCATION_DISMISSED,
}


def _notify_agency(agency: Agency, subject: str, body: str) -> None:
    """Mail the partner agency's contact (after commit; a mail failure never undoes the decision)."""
    if not agency.contact_email:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [agency.contact_email])
    except Exception:  # the decision stands; the failure is logged for the clerk to follow up
        logger.exception("Could not notify %s of a revocation decision", agency.name)


def _end_sessions(user_public_ids: list[uuid.UUID]) -> None:
    from portal.live import broadcast, user_group

    for public_id in user_public_ids:
        broadcast(user_group(public_id), {"type": "session.end", "reason": "access revoked"})


def _end_agency_access(
    *, case: RevocationCase, by: User, action: str, request: HttpRequest | None
) -> dict[str, Any]:
    """End every agreement of the city with the agency and its units, and the partners' access.

    Runs inside the case transition's transaction. Every agreement row is locked (in id order)
    before any audit entry is written, so that a search holding one of them ``FOR SHARE`` (and
    waiting for the audit chain) cannot deadlock with us.
    """
    city = case.city
    if action == "suspend":
        sources, agreement_action = [AgreementState.ACTIVE], "suspend"
    else:
        sources = [AgreementState.AWAITING_CHIEF, AgreementState.ACTIVE, AgreementState.SUSPENDED]
        agreement_action = "revoke"
    with city_scope(city):
        agreements = list(
            agreements_of_agency_and_units(city=city, agency=case.agency)
            .filter(state__in=sources)
            .select_for_update()
            .order_by("pk")
        )
    reason = f"Revocation case {case.reference} ({case.get_grounds_display().lower()}): {action}"
    ended = [
        str(
            agreement_transition(
                agreement=agreement, by=by, action=agreement_action, reason=reason, request=request
            ).public_id
        )
        for agreement in agreements
    ]
    # Partner users of the agency and its units. (A city's own department may be the subject of a
    # case too; its officers keep their own city: lookups into this city are refused per call.)
    units = agency_with_units(case.agency)
    partners = list(User.objects.filter(agency__in=units, role=Role.PARTNER))
    tokens_deleted = 0
    for unit in units:
        if not agreements_in_effect_for_agency(agency=unit):
            deleted, _ = Token.objects.filter(user__agency=unit, user__role=Role.PARTNER).delete()
            tokens_deleted += deleted
    user_ids = [user.public_id for user in partners]
    transaction.on_commit(lambda: _end_sessions(user_ids))
    return {"agreements_ended": ended, "tokens_deleted": tokens_deleted, "sessions_ended": len(user_ids)}


def _case_transition(
    *,
    case: RevocationCase,
    by: User,
    action: str,
    rationale: str = "",
    request: HttpRequest | None = None,
) -> RevocationCase:
    city = case.city
    with city_scope(city), transaction.atomic():
        fresh = RevocationCase.objects.select_for_update().select_related("agency", "city").get(pk=case.pk)
        method = _METHODS[action].__get__(fresh)
        if not by.has_city_role(city, Role.CHIEF):
            raise PermissionDenied("Only the chief decides revocation cases.")
        if not can_proceed(method) or not has_transition_perm(method, by):
            raise RevocationStateError(
                f"This case is {fresh.get_state_display().lower()}"
                f"{' and already suspended' if fresh.suspended_at else ''}; "
                f"it cannot be {_VERBS[action].replace('_', ' ')}."
            )
        before = fresh.state
        method()
        now = timezone.now()
        if action == "start_review":
            fresh.review_started_by, fresh.review_started_at = by, now
        elif action == "suspend":
            fresh.suspended_by, fresh.suspended_at = by, now
        else:
            fresh.decided_by, fresh.decided_at, fresh.rationale = by, now, rationale
        fresh.save()
        effects: dict[str, Any] = {}
        if action in ("suspend", "revoke"):
            effects = _end_agency_access(case=fresh, by=by, action=action, request=request)
        audit_record(
            event_type=_EVENTS[action],
            city=city,
            actor=by,
            agency=fresh.agency,
            target_type="revocation_case",
            target_id=str(fresh.public_id),
            details=_case_details(
                fresh, **{"from": before, "to": fresh.state, "rationale": rationale}, **effects
            ),
            request=request,
        )
        if action == "revoke" and fresh.grounds in PERMANENT_GROUNDS:
            block = PermanentBlock.objects.create(
                city=city,
                agency=fresh.agency,
                agency_name=fresh.agency.name,
                covered_names=[node.name for node in fresh.agency.parent_chain()],
                case=fresh,
                created_by=by,
            )
            audit_record(
                event_type=EventType.REVOCATION_PERMANENT_BLOCK,
                city=city,
                actor=by,
                agency=fresh.agency,
                target_type="revocation_case",
                target_id=str(fresh.public_id),
                details=_case_details(fresh, block=str(block.public_id), covered_names=block.covered_names),
                request=request,
            )
        if action in ("suspend", "revoke"):
            agency = fresh.agency
            verb = "suspended" if action == "suspend" else "revoked"
            subject = f"{city.name}: your agency's access to licence plate reader data is {verb}"
            body = (
                f"{city.name}, {city.state} has {verb} {agency.name}'s access to its licence plate reader "
                f"data, effective {now.date().isoformat()} (revocation case {fresh.reference}, grounds: "
                f"{fresh.get_grounds_display().lower()}).\n"
                + (
                    "This revocation is permanent.\n"
                    if action == "revoke" and fresh.grounds in PERMANENT_GROUNDS
                    else ""
                )
                + (f"\nThe chief's rationale:\n{rationale}\n" if rationale else "")
            )
            transaction.on_commit(lambda: _notify_agency(agency, subject, body))
    return fresh


def _require_rationale(rationale: str) -> str:
    if not (rationale or "").strip():
        raise ValidationError({"rationale": "Write the rationale for the decision."})
    return rationale.strip()


def revocation_start_review(
    *, case: RevocationCase, by: User, rationale: str = "", request: HttpRequest | None = None
) -> RevocationCase:
    """Opened to under review (the chief), with an optional note."""
    return _case_transition(
        case=case, by=by, action="start_review", rationale=(rationale or "").strip(), request=request
    )


def revocation_suspend(
    *, case: RevocationCase, by: User, rationale: str, request: HttpRequest | None = None
) -> RevocationCase:
    """While under review, suspend every agreement with the agency and its units at once (the chief)."""
    return _case_transition(
        case=case, by=by, action="suspend", rationale=_require_rationale(rationale), request=request
    )


def revocation_revoke(
    *, case: RevocationCase, by: User, rationale: str, request: HttpRequest | None = None
) -> RevocationCase:
    """Revoke (the chief, with a written rationale): every agreement ends for good, partners are cut
    off at once, the agency is notified, and on immigration grounds the agency is blocked forever."""
    return _case_transition(
        case=case, by=by, action="revoke", rationale=_require_rationale(rationale), request=request
    )


def revocation_dismiss(
    *, case: RevocationCase, by: User, rationale: str, request: HttpRequest | None = None
) -> RevocationCase:
    """Dismiss (the chief, with a written rationale). Suspended agreements stay suspended until the
    chief reinstates each one (which runs the policy engine again)."""
    return _case_transition(
        case=case, by=by, action="dismiss", rationale=_require_rationale(rationale), request=request
    )


# --- investigators (django-guardian, per case) -----------------------------------------------------


def revocation_investigator_assign(
    *, case: RevocationCase, user: User, by: User, request: HttpRequest | None = None
) -> bool:
    """A clerk, auditor or the chief assigns one of the city's staff to investigate this case (audited)."""
    return object_permission_grant(
        obj=case, permission=INVESTIGATE_CASE, user=user, by=by, granters=CASE_READER_ROLES, request=request
    )


def revocation_investigator_unassign(
    *, case: RevocationCase, user: User, by: User, request: HttpRequest | None = None
) -> bool:
    return object_permission_revoke(
        obj=case, permission=INVESTIGATE_CASE, user=user, by=by, granters=CASE_READER_ROLES, request=request
    )
