"""Searches and lookups: the policy engine decides, the one selector reads, both are recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from audits.events import EventType
from audits.models import Outcome
from audits.services import audit_record, client_address_of
from cameras.models import Read
from portal.models import Agency, City, User
from portal.roles import SEARCH_ROLES
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.grants import REFUSED_ROLE, SearchGrant, grant_for
from sharing.models import (
    Search,
    SearchOutcome,
    SearchScope,
    SharingAgreement,
)
from sharing.policy.types import (
    SCOPE_LOCAL,
    SCOPE_NATIONAL,
    SCOPE_STATEWIDE,
)
from sharing.selectors import (
    ReadQuery,
    agency_profile,
    blocked_agency_names,
    engine_policy_of,
    lookup_cities_for,
    reads_visible_to,
    search_window,
)
from sharing.services.common import require_city_role

RULE_AGREEMENT_ENDED = "agreement.ended_during_search"


def _cut_off_decision(grant: SearchGrant) -> engine.Decision | None:
    """A denial when the grant's city has cut its agency off (suspension, revocation, block)."""
    cut_off = grant.cut_off
    if cut_off is None:
        return None
    return engine.Decision.deny(
        [engine.Violation(cut_off.rule, cut_off.message, (str(cut_off.case.public_id),))]
    )


@dataclass(frozen=True)
class LookupCity:
    """What a lookup got from one other city."""

    city: City
    decision: engine.Decision
    reads: list[Read]
    cameras_reached: int


@dataclass(frozen=True)
class SearchResult:
    search: Search
    decision: engine.Decision
    reads: list[Read] = field(default_factory=list)
    lookups: list[LookupCity] = field(default_factory=list)
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def _query_details(query: ReadQuery, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    return {
        "camera_ids": [str(camera_id) for camera_id in query.camera_ids],
        "colour": query.colour,
        "effective_since": since.isoformat(),
        "effective_until": until.isoformat(),
    }


def _search_outcome(decision: engine.Decision) -> str:
    if decision.allowed:
        return SearchOutcome.ALLOWED
    return SearchOutcome.HELD if decision.held else SearchOutcome.DENIED


def _record_search(
    *,
    city: City,
    user: User,
    agency: Agency | None,
    agreement: SharingAgreement | None,
    scope: str,
    query: ReadQuery,
    reason: str,
    offense_type: str,
    case_number: str,
    decision: engine.Decision,
    since: dt.datetime,
    until: dt.datetime,
    cameras_reached: int,
    result_count: int,
    cities_reached: int = 0,
    extra_filters: Mapping[str, Any] | None = None,
    request: HttpRequest | None,
) -> Search:
    """The Search row and its audit entry (the caller holds the transaction and the city scope)."""
    filters = {**_query_details(query, since, until), **(extra_filters or {})}
    search = Search.objects.create(
        city=city,
        user=user,
        username=user.get_username(),
        agency=agency,
        agency_name=agency.name if agency is not None else "",
        agreement=agreement,
        scope=scope,
        reason=reason,
        offense_type=offense_type,
        case_number=case_number,
        plate_query=query.plate,
        partial=query.partial,
        since=query.since,
        until=query.until,
        filters=filters,
        outcome=_search_outcome(decision),
        rule=decision.rule,
        message=decision.message,
        rules=list(decision.rules),
        decision=decision.as_json(),
        cameras_reached=cameras_reached,
        cities_reached=cities_reached,
        result_count=result_count,
        client_address=client_address_of(request),
    )
    audit_record(
        event_type=EventType.SEARCH_LOOKUP if scope == SearchScope.STATEWIDE else EventType.SEARCH_PERFORMED,
        city=city,
        actor=user,
        agency=agency,
        target_type="search",
        target_id=str(search.public_id),
        details={
            "reason": reason,
            "offense_type": offense_type,
            "case_number": case_number,
            "plate_query": query.plate,
            "partial": query.partial,
            "since": query.since.isoformat() if query.since else None,
            "until": query.until.isoformat() if query.until else None,
            "filters": filters,
            "agreement": str(agreement.public_id) if agreement is not None else None,
            "scope": scope,
            "rule": decision.rule,
            "rules": list(decision.rules),
            "message": decision.message,
            "outcome": decision.outcome,
            "evidence": list(decision.evidence),
            "engine_version": decision.engine_version,
            "cameras_reached": cameras_reached,
            "cities_reached": cities_reached,
            "result_count": result_count,
        },
        outcome=Outcome.ALLOWED if decision.allowed else Outcome.DENIED,
        request=request,
    )
    return search


def _searcher_agency(user: User, city: City) -> Agency | None:
    return user.agency if user.agency_id is not None else city.own_agency


def _engine_request(
    *,
    user_agency: engine.AgencyProfile,
    query: ReadQuery,
    reason: str,
    offense_type: str,
    case_number: str,
    is_own: bool,
    has_agreement: bool,
    scope: str,
) -> engine.SearchRequest:
    return engine.SearchRequest(
        reason=reason,
        case_number=case_number,
        offense_type=offense_type,
        plate_query=query.plate,
        partial=query.partial,
        agency=user_agency,
        is_own_agency=is_own,
        has_active_agreement=has_agreement,
        scope=scope,
    )


def _profile_for(
    agency: Agency | None, city: City, agreement: SharingAgreement | None
) -> engine.AgencyProfile:
    if agency is None:
        return engine.AgencyProfile(name=f"{city.name} (own department)", state=city.state)
    return agency_profile(agency, agreement=agreement)


def search_run(
    *,
    grant: SearchGrant,
    query: ReadQuery,
    reason: str,
    offense_type: str,
    case_number: str,
    request: HttpRequest | None = None,
) -> SearchResult:
    """Search the grant's city: the policy engine decides first; a denied search runs no read query.

    Allowed or denied, the search is recorded (``Search`` row and audit entry, one transaction).
    The grant (``sharing.grants.grant_for``) says who searches and what it reaches: the city's
    officers or chief, or a partner user (whose agency needs an agreement in effect: without one the
    engine denies, and the denial is recorded). Inside the transaction the grant is built again
    under the agreement's lock, so a search racing a revocation returns nothing.
    """
    city, user = grant.city, grant.searcher
    if grant.lookup_from is not None:
        raise PermissionDenied("A lookup grant does not search one city; use lookup_run.")
    if grant.refusal == REFUSED_ROLE or (not grant.own_staff and not user.is_partner):
        raise PermissionDenied("Your role does not search reads.")
    agency = grant.agency
    decision = engine.evaluate_search(
        _engine_request(
            user_agency=_profile_for(agency, city, grant.agreement),
            query=query,
            reason=reason,
            offense_type=offense_type,
            case_number=case_number,
            is_own=grant.own_staff,
            has_agreement=grant.agreement is not None,
            scope=SCOPE_LOCAL,
        ),
        engine_policy_of(city),
        blocked_agency_names=() if grant.own_staff else blocked_agency_names(city=city),
        agreement=grant.agreement_scope(),
    )
    scope_violations = grant.scope_violations(offense_type=offense_type)
    if scope_violations:
        decision = engine.Decision.deny([*decision.violations, *scope_violations])
    decision = _cut_off_decision(grant) or decision
    reads: list[Read] = []
    cameras_reached = 0
    with city_scope(city), transaction.atomic():
        # Before anything else in this transaction (the audit chain lock comes later, in the order
        # the revocation takes them too): the agreement must still hold as the query runs.
        if decision.allowed and grant.agreement is not None:
            grant = grant_for(user, city, for_update=True)
            if not grant.allows_search:
                decision = engine.Decision.deny(
                    [
                        engine.Violation(
                            RULE_AGREEMENT_ENDED,
                            f"{agency.name if agency else 'The agency'}'s sharing agreement with {city.name} ended while the search "
                            "was running; nothing was returned.",
                        )
                    ]
                )
        if decision.allowed:
            visible = reads_visible_to(grant=grant, query=query)
            reads = list(visible.reads)
            cameras_reached, since, until = visible.cameras_reached, visible.since, visible.until
        else:
            since, until = search_window(city=city, query=query)
        search = _record_search(
            city=city,
            user=user,
            agency=agency,
            agreement=grant.agreement,
            scope=SearchScope.LOCAL,
            query=query,
            reason=reason,
            offense_type=offense_type,
            case_number=case_number,
            decision=decision,
            since=since,
            until=until,
            cameras_reached=cameras_reached,
            result_count=len(reads),
            request=request,
        )
    return SearchResult(search=search, decision=decision, reads=reads, since=since, until=until)


def lookup_run(
    *,
    user: User,
    city: City,
    query: ReadQuery,
    reason: str,
    offense_type: str,
    case_number: str,
    request: HttpRequest | None = None,
) -> SearchResult:
    """A full-plate lookup by one of ``city``'s officers across the other cities that opted in.

    ``city``'s own policy decides first (lookup offered, full plate, purpose); then each reached
    city's policy decides for itself, treating the searcher as an outside agency. Every city
    reached records the lookup in its own audit log; the searcher's city keeps the ``Search``.
    """
    require_city_role(user, city, *SEARCH_ROLES)
    agency = _searcher_agency(user, city)
    profile = _profile_for(agency, city, None)
    grants = {}

    def ask(target: City, scope: str, own: bool) -> engine.Decision:
        if not own:
            grants[target.pk] = grant_for(user, target, lookup_from=city)
            refused = _cut_off_decision(grants[target.pk])
            if refused is not None:
                return refused
        return engine.evaluate_search(
            _engine_request(
                user_agency=profile,
                query=query,
                reason=reason,
                offense_type=offense_type,
                case_number=case_number,
                is_own=own,
                has_agreement=True,
                scope=scope,
            ),
            engine_policy_of(target),
            blocked_agency_names=() if own else blocked_agency_names(city=target),
        )

    decision = ask(city, SCOPE_STATEWIDE, True)
    targets = lookup_cities_for(city=city) if decision.allowed else []
    lookups: list[LookupCity] = []
    for target in targets:
        target_decision = ask(
            target, SCOPE_STATEWIDE if target.state == city.state else SCOPE_NATIONAL, False
        )
        reads: list[Read] = []
        cameras_reached = 0
        if target_decision.allowed:
            visible = reads_visible_to(grant=grants[target.pk], query=query)
            reads, cameras_reached = list(visible.reads), visible.cameras_reached
        lookups.append(LookupCity(target, target_decision, reads, cameras_reached))
    since, until = search_window(city=city, query=query)
    reached = [lookup for lookup in lookups if lookup.decision.allowed]
    lookup_id = str(uuid.uuid4())
    # Audit chains are locked in city order so that two lookups in opposite directions cannot deadlock.
    with transaction.atomic():
        entries = sorted(
            [(city.pk, None), *((lookup.city.pk, lookup) for lookup in lookups)], key=lambda e: e[0]
        )
        search = None
        for _, lookup in entries:
            if lookup is None:
                with city_scope(city):
                    search = _record_search(
                        city=city,
                        user=user,
                        agency=agency,
                        agreement=None,
                        scope=SearchScope.STATEWIDE,
                        query=query,
                        reason=reason,
                        offense_type=offense_type,
                        case_number=case_number,
                        decision=decision,
                        since=since,
                        until=until,
                        cameras_reached=sum(lookup.cameras_reached for lookup in reached),
                        result_count=sum(len(lookup.reads) for lookup in reached),
                        cities_reached=len(reached),
                        extra_filters={
                            "lookup": lookup_id,
                            "cities": [
                                {
                                    "city": str(lookup.city.public_id),
                                    "rule": lookup.decision.rule,
                                    "result_count": len(lookup.reads),
                                }
                                for lookup in lookups
                            ],
                        },
                        request=request,
                    )
                continue
            audit_record(
                event_type=EventType.SEARCH_LOOKUP_RECEIVED,
                city=lookup.city,
                actor=user,
                agency=agency,
                target_type="lookup",
                target_id=lookup_id,
                details={
                    "from_city": str(city.public_id),
                    "from_city_name": city.name,
                    "reason": reason,
                    "offense_type": offense_type,
                    "case_number": case_number,
                    "plate_query": query.plate,
                    "rule": lookup.decision.rule,
                    "message": lookup.decision.message,
                    "cameras_reached": lookup.cameras_reached,
                    "result_count": len(lookup.reads),
                },
                outcome=Outcome.ALLOWED if lookup.decision.allowed else Outcome.DENIED,
                request=request,
            )
    assert search is not None
    reads = [read for lookup in reached for read in lookup.reads]
    return SearchResult(
        search=search, decision=decision, reads=reads, lookups=lookups, since=since, until=until
    )


def read_crop_viewed(
    *, grant: SearchGrant, search: Search, read: Read, request: HttpRequest | None = None
) -> None:
    """Record that the grant's searcher opened the crop of a read its search returned."""
    with transaction.atomic():
        audit_record(
            event_type=EventType.READ_CROP_VIEWED,
            city=grant.city,
            actor=grant.searcher,
            agency=grant.agency,
            target_type="read",
            target_id=str(read.public_id),
            details={
                "search": str(search.public_id),
                "camera": str(read.camera.public_id),
                "agreement": str(grant.agreement.public_id) if grant.agreement is not None else None,
            },
            outcome=Outcome.ALLOWED,
            request=request,
        )
