"""Held searches: a named supervisor approves or refuses, with a written reason; holds expire.

``search_run`` opens the hold (the screen was unsure: nothing ran). Here:

- ``search_hold_approve``: the search runs exactly as it would have run, for its searcher, through
  the searcher's grant rebuilt under the agreement's lock and the engine asked again. A firm refusal
  (an agreement that ended, an agency cut off, a hard rule of the engine) still refuses: the hold
  closes refused with that rule. Only the screen's own "unsure" is released by the supervisor.
- ``search_hold_refuse``: the hold closes; nothing ran.
- ``search_holds_expire_due``: the beat task marks holds past ``expires_at``; a decision checks the
  expiry too, so an expired hold is never approved whether the task ran or not.

Each decision is one transaction that locks the hold (``select_for_update``), so two supervisors
deciding at once cannot both win, and writes its audit entry (who, the reason, the search, the
rule and evidence). A refused attempt (no reason, not a supervisor, the searcher themself, already
decided, expired) changes nothing, is recorded by ``audits.refusals.refusal_record`` and raises
``HoldRefusal`` with the HTTP status a page should answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audits.events import EventType
from audits.models import Outcome
from audits.refusals import refusal_record
from audits.services import audit_record
from cameras.models import Read
from portal.models import City, User
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.grants import REFUSED_ROLE, SearchGrant, grant_for
from sharing.models import HoldState, Search, SearchHold
from sharing.selectors.holds import held_query, hold_visible_to, may_decide_hold
from sharing.selectors.reads import reads_visible_to
from sharing.services.searches import agreement_ended_decision, search_decide

RULE_HOLD_NOT_FOUND = "hold.not_found"
RULE_HOLD_OWN_SEARCH = "hold.own_search"
RULE_HOLD_NOT_SUPERVISOR = "hold.not_supervisor"
RULE_HOLD_ALREADY_DECIDED = "hold.already_decided"
RULE_HOLD_EXPIRED = "hold.expired"
RULE_HOLD_REASON_REQUIRED = "hold.reason_required"
RULE_HOLD_NOT_APPROVED = "hold.not_approved"
RULE_HOLD_SEARCHER_NO_LONGER_ALLOWED = "hold.searcher_no_longer_allowed"

# A written reason is a sentence, not a keystroke.
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 2000


class HoldRefusal(Exception):
    """A decision on a hold was refused; nothing changed and the refusal has been audited."""

    def __init__(self, rule: str, message: str, status: int):
        self.rule = rule
        self.message = message
        self.status = status
        super().__init__(f"{rule}: {message}")


@dataclass(frozen=True)
class HoldDecision:
    """What a supervisor's decision did: the hold as it now stands and, on approval, the run."""

    hold: SearchHold
    ran: bool
    decision: engine.Decision | None = None
    result_count: int = 0
    cameras_reached: int = 0


@dataclass(frozen=True)
class HeldResults:
    """The reads an approved held search returned, for its searcher."""

    hold: SearchHold
    reads: list[Read] = field(default_factory=list)
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    cameras_reached: int = 0


def _evidence(search: Search) -> dict[str, Any]:
    """What decided the hold, as the engine recorded it (rule, message, evidence, nearest examples)."""
    decision = search.decision or {}
    kept = ("outcome", "rule", "rules", "message", "evidence", "nearest", "engine_version")
    return {key: decision[key] for key in kept if key in decision}


def _search_details(search: Search) -> dict[str, Any]:
    return {
        "search": str(search.public_id),
        "searcher": search.username,
        "searcher_agency": search.agency_name,
        "plate_query": search.plate_query,
        "partial": search.partial,
        "request_reason": search.reason,
        "offense_type": search.offense_type,
        "case_number": search.case_number,
        "held": _evidence(search),
    }


def _refuse(
    *,
    city: City,
    by: User,
    hold_id: uuid.UUID,
    rule: str,
    message: str,
    status: int,
    request: HttpRequest | None,
) -> HoldRefusal:
    refusal_record(
        city=city,
        rule=rule,
        via="web" if request is not None else "service",
        status=status,
        user=by,
        request=request,
        target_type="search_hold",
        target_id=str(hold_id),
        extra={"message": message},
    )
    return HoldRefusal(rule, message, status)


def _locked_hold(*, hold_id: uuid.UUID) -> SearchHold | None:
    """The hold, locked ``FOR UPDATE`` until the caller's transaction ends (inside a city scope)."""
    hold: SearchHold | None = (
        SearchHold.objects.select_for_update(of=("self",))
        .select_related("search", "search__user", "search__agency", "city")
        .filter(public_id=hold_id)
        .first()
    )
    return hold


def _check_decider(hold: SearchHold | None, *, by: User, now: dt.datetime) -> tuple[str, str, int] | None:
    """Why ``by`` may not decide ``hold`` now (rule, message, status), or None."""
    if hold is None or not hold_visible_to(user=by, hold=hold):
        return RULE_HOLD_NOT_FOUND, "No such held search.", 404
    if hold.search.user_id == by.pk:
        return RULE_HOLD_OWN_SEARCH, "You cannot decide your own held search: a supervisor does.", 403
    if not may_decide_hold(user=by, hold=hold):
        return RULE_HOLD_NOT_SUPERVISOR, "Only a named supervisor decides this held search.", 403
    if hold.state == HoldState.EXPIRED or (hold.is_pending() and hold.expires_at <= now):
        return (
            RULE_HOLD_EXPIRED,
            "This hold has expired: nobody decided in time. The search did not run.",
            409,
        )
    if not hold.is_pending():
        return RULE_HOLD_ALREADY_DECIDED, f"This hold was already decided ({hold.get_state_display()}).", 409
    return None


def _clean_reason(reason: str) -> str | None:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH or len(reason) > REASON_MAX_LENGTH:
        return None
    return reason


def _expire(hold: SearchHold, *, now: dt.datetime, noticed_by: User | None) -> bool:
    """Mark a pending hold past its expiry (a conditional UPDATE) and audit it. Caller: transaction."""
    claimed = SearchHold.objects.filter(pk=hold.pk, state=HoldState.PENDING, expires_at__lte=now).update(
        state=HoldState.EXPIRED, decided_at=now
    )
    if not claimed:
        return False
    audit_record(
        event_type=EventType.SEARCH_HOLD_EXPIRED,
        city=hold.city,
        actor=None,
        agency=hold.search.agency,
        target_type="search_hold",
        target_id=str(hold.public_id),
        details={
            **_search_details(hold.search),
            "expires_at": hold.expires_at.isoformat(),
            "noticed_by": noticed_by.get_username() if noticed_by is not None else "schedule",
        },
        outcome=Outcome.SUCCESS,
    )
    return True


def _decide(
    *,
    city: City,
    hold_id: uuid.UUID,
    by: User,
    reason: str,
    approve: bool,
    request: HttpRequest | None,
) -> HoldDecision:
    now = timezone.now()
    refusal: tuple[str, str, int] | None = None
    outcome: HoldDecision | None = None
    with city_scope(city), transaction.atomic():
        hold = _locked_hold(hold_id=hold_id)
        refusal = _check_decider(hold, by=by, now=now)
        if refusal is not None and refusal[0] == RULE_HOLD_EXPIRED and hold is not None:
            _expire(hold, now=now, noticed_by=by)  # committed with this transaction; refused below
        elif refusal is None and hold is not None:
            cleaned = _clean_reason(reason)
            if cleaned is None:
                refusal = (
                    RULE_HOLD_REASON_REQUIRED,
                    f"Write the reason for your decision ({REASON_MIN_LENGTH} to {REASON_MAX_LENGTH} "
                    "characters): it is recorded with the search.",
                    400,
                )
            elif approve:
                outcome = _approve(hold, by=by, reason=cleaned, now=now, request=request)
            else:
                outcome = _refuse_hold(hold, by=by, reason=cleaned, now=now, request=request)
    if refusal is not None:
        raise _refuse(
            city=city,
            by=by,
            hold_id=hold_id,
            rule=refusal[0],
            message=refusal[1],
            status=refusal[2],
            request=request,
        )
    assert outcome is not None
    return outcome


def _searcher_grant(search: Search, city: City) -> tuple[SearchGrant, engine.Decision | None]:
    """The searcher's grant now, under the agreement's lock, and a refusal when it allows nothing."""
    grant = grant_for(search.user, city, for_update=True)
    if grant.allows_search:
        return grant, None
    if grant.cut_off is not None:
        cut = grant.cut_off
        return grant, engine.Decision.deny(
            [engine.Violation(cut.rule, cut.message, (str(cut.case.public_id),))]
        )
    if search.agreement_id is not None and grant.agreement is None and grant.refusal != REFUSED_ROLE:
        return grant, agreement_ended_decision(grant)
    return grant, engine.Decision.deny(
        [
            engine.Violation(
                RULE_HOLD_SEARCHER_NO_LONGER_ALLOWED,
                f"{search.username} may no longer search {city.name} ({grant.refusal}); nothing ran.",
            )
        ]
    )


def _approve(
    hold: SearchHold, *, by: User, reason: str, now: dt.datetime, request: HttpRequest | None
) -> HoldDecision:
    search, city = hold.search, hold.city
    query = held_query(search)
    grant, refused = _searcher_grant(search, city)
    decision = refused
    if decision is None:
        try:
            decision = search_decide(
                grant=grant,
                query=query,
                reason=search.reason,
                offense_type=search.offense_type,
                case_number=search.case_number,
            )
        except PermissionDenied as error:
            decision = engine.Decision.deny(
                [engine.Violation(RULE_HOLD_SEARCHER_NO_LONGER_ALLOWED, str(error))]
            )
    # The supervisor releases the screen's "unsure" only; any firm rule still refuses.
    runs = decision.allowed or decision.held
    reads: list[Read] = []
    cameras_reached = 0
    if runs:
        try:
            visible = reads_visible_to(grant=grant, query=query)
        except PermissionDenied as error:
            runs = False
            decision = engine.Decision.deny(
                [engine.Violation(RULE_HOLD_SEARCHER_NO_LONGER_ALLOWED, str(error))]
            )
        else:
            reads, cameras_reached = list(visible.reads), visible.cameras_reached
    hold.state = HoldState.APPROVED if runs else HoldState.REFUSED
    hold.decided_by, hold.decided_at, hold.decision_reason = by, now, reason
    hold.closed_rule = "" if runs else decision.rule
    # The row is locked; the state condition is a second guard against a decision already made.
    SearchHold.objects.filter(pk=hold.pk, state=HoldState.PENDING).update(
        state=hold.state,
        decided_by=by,
        decided_at=now,
        decision_reason=reason,
        closed_rule=hold.closed_rule,
    )
    if runs:
        Search.objects.filter(pk=search.pk).update(result_count=len(reads), cameras_reached=cameras_reached)
        search.result_count, search.cameras_reached = len(reads), cameras_reached
    audit_record(
        event_type=EventType.SEARCH_HOLD_APPROVED,
        city=city,
        actor=by,
        target_type="search_hold",
        target_id=str(hold.public_id),
        details={
            **_search_details(search),
            "decision_reason": reason,
            "ran": runs,
            "at_approval": decision.as_json(),
            "closed_rule": hold.closed_rule,
            "result_count": len(reads),
            "cameras_reached": cameras_reached,
            "agreement": str(grant.agreement.public_id) if grant.agreement is not None else None,
        },
        outcome=Outcome.ALLOWED if runs else Outcome.DENIED,
        request=request,
    )
    return HoldDecision(
        hold=hold, ran=runs, decision=decision, result_count=len(reads), cameras_reached=cameras_reached
    )


def _refuse_hold(
    hold: SearchHold, *, by: User, reason: str, now: dt.datetime, request: HttpRequest | None
) -> HoldDecision:
    hold.state = HoldState.REFUSED
    hold.decided_by, hold.decided_at, hold.decision_reason = by, now, reason
    SearchHold.objects.filter(pk=hold.pk, state=HoldState.PENDING).update(
        state=HoldState.REFUSED, decided_by=by, decided_at=now, decision_reason=reason
    )
    audit_record(
        event_type=EventType.SEARCH_HOLD_REFUSED,
        city=hold.city,
        actor=by,
        target_type="search_hold",
        target_id=str(hold.public_id),
        details={**_search_details(hold.search), "decision_reason": reason},
        outcome=Outcome.DENIED,
        request=request,
    )
    return HoldDecision(hold=hold, ran=False)


def search_hold_approve(
    *, city: City, hold_id: uuid.UUID, by: User, reason: str, request: HttpRequest | None = None
) -> HoldDecision:
    """Approve a held search: it runs for its searcher, unless a firm rule refuses it at run time.

    ``by`` must be a named supervisor of the hold (not its searcher); ``reason`` is required. Raises
    ``HoldRefusal`` (audited, nothing changed) otherwise, or when the hold is decided or expired.
    """
    return _decide(city=city, hold_id=hold_id, by=by, reason=reason, approve=True, request=request)


def search_hold_refuse(
    *, city: City, hold_id: uuid.UUID, by: User, reason: str, request: HttpRequest | None = None
) -> HoldDecision:
    """Refuse a held search: it closes and never runs. Same checks as ``search_hold_approve``."""
    return _decide(city=city, hold_id=hold_id, by=by, reason=reason, approve=False, request=request)


def search_holds_expire_due(*, now: dt.datetime | None = None) -> int:
    """Mark every pending hold past its expiry as expired, each audited. Safe to run twice."""
    now = now or timezone.now()
    due = list(
        SearchHold.all_cities.filter(state=HoldState.PENDING, expires_at__lte=now)
        .order_by("city_id", "pk")
        .values_list("pk", "city_id")
    )
    cities = {city.pk: city for city in City.objects.filter(pk__in={city_id for _, city_id in due})}
    expired = 0
    for pk, city_id in due:
        city = cities[city_id]
        with city_scope(city), transaction.atomic():
            hold = SearchHold.objects.select_related("search", "search__agency", "city").filter(pk=pk).first()
            if hold is not None and _expire(hold, now=now, noticed_by=None):
                expired += 1
    return expired


def search_hold_results(
    *, grant: SearchGrant, hold: SearchHold, request: HttpRequest | None = None
) -> HeldResults:
    """The reads of an approved held search, for its searcher only; each view is audited.

    The searcher's grant now decides what they reach (an agreement that ended since shows nothing:
    the grant refuses before this runs). Raises ``HoldRefusal`` for anyone else or a hold not approved.
    """
    search, city = hold.search, grant.city
    if search.user_id != grant.searcher.pk or hold.city_id != city.pk:
        raise _refuse(
            city=city,
            by=grant.searcher,
            hold_id=hold.public_id,
            rule=RULE_HOLD_NOT_FOUND,
            message="No such held search.",
            status=404,
            request=request,
        )
    if hold.state != HoldState.APPROVED or not grant.allows_search:
        raise _refuse(
            city=city,
            by=grant.searcher,
            hold_id=hold.public_id,
            rule=RULE_HOLD_NOT_APPROVED,
            message="The search has not run: its hold is not approved.",
            status=409,
            request=request,
        )
    query = held_query(search)
    visible = reads_visible_to(grant=grant, query=query)
    with city_scope(city), transaction.atomic():
        audit_record(
            event_type=EventType.SEARCH_HOLD_RESULTS_VIEWED,
            city=city,
            actor=grant.searcher,
            agency=grant.agency,
            target_type="search",
            target_id=str(search.public_id),
            details={
                "hold": str(hold.public_id),
                "plate_query": search.plate_query,
                "reason": search.reason,
                "offense_type": search.offense_type,
                "case_number": search.case_number,
                "approved_by": hold.decided_by.get_username() if hold.decided_by is not None else "",
                "result_count": len(visible.reads),
                "cameras_reached": visible.cameras_reached,
                "agreement": str(grant.agreement.public_id) if grant.agreement is not None else None,
            },
            outcome=Outcome.ALLOWED,
            request=request,
        )
    return HeldResults(
        hold=hold,
        reads=list(visible.reads),
        since=visible.since,
        until=visible.until,
        cameras_reached=visible.cameras_reached,
    )
