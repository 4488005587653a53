"""Searches and lookups: the policy engine decides, the one selector reads, both are recorded."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import HttpRequest

from audits.models import Outcome
from audits.services import audit_record, client_address_of
from cameras.models import Read
from portal.models import Agency, City, User
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.models import (
    Search,
    SearchOutcome,
    SearchScope,
    SharingAgreement,
)
from sharing.policy.types import (
    RULE_AGENCY_BLOCKED,
    SCOPE_LOCAL,
    SCOPE_NATIONAL,
    SCOPE_STATEWIDE,
)
from sharing.selectors import (
    SEARCH_ROLES,
    ReadQuery,
    agency_cut_off,
    agency_profile,
    agreement_in_effect,
    blocked_agency_names,
    city_today,
    engine_policy_of,
    lookup_cities_for,
    reads_visible_to,
    search_window,
)
from sharing.services.common import require_city_role

# Rule codes of refusals decided outside the engine (the city has cut the agency off).
RULE_AGENCY_SUSPENDED = "agency.suspended"
RULE_AGENCY_REVOKED = "agency.revoked"
RULE_AGREEMENT_ENDED = "agreement.ended_during_search"


def _cut_off_decision(*, city: City, agency: Agency | None) -> engine.Decision | None:
    """A denial when ``city`` has cut ``agency`` off (suspension, revocation, permanent block)."""
    cut_off = agency_cut_off(city=city, agency=agency)
    if cut_off is None:
        return None
    rule = {
        "blocked": RULE_AGENCY_BLOCKED,
        "suspended": RULE_AGENCY_SUSPENDED,
        "revoked": RULE_AGENCY_REVOKED,
    }[cut_off.kind]
    return engine.Decision.deny([engine.Violation(rule, cut_off.message, (str(cut_off.case.public_id),))])


def _agreement_still_in_effect(*, agreement: SharingAgreement, city: City) -> bool:
    """Re-read the agreement inside the search's transaction, right before the query runs.

    In PostgreSQL the row is read ``FOR SHARE``: a revocation or suspension that has locked it (its
    transition holds ``FOR UPDATE`` until commit) makes us wait, and then we see its outcome; once we
    hold the share lock, a revocation waits for this search to finish. Either way no search reads
    through an agreement that has ended.
    """
    today = city_today(city)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {SharingAgreement._meta.db_table} "  # noqa: S608 - table name is ours
                "WHERE id = %s AND city_id = %s AND partner_agency_id = %s AND state = %s "
                "AND starts_on <= %s AND ends_on >= %s FOR SHARE",
                [agreement.pk, city.pk, agreement.partner_agency_id, "active", today, today],
            )
            return cursor.fetchone() is not None
    return SharingAgreement.all_cities.filter(
        pk=agreement.pk, state="active", starts_on__lte=today, ends_on__gte=today
    ).exists()


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
        outcome=SearchOutcome.ALLOWED if decision.allowed else SearchOutcome.DENIED,
        rule=decision.rule,
        message=decision.message,
        rules=list(decision.rules),
        cameras_reached=cameras_reached,
        cities_reached=cities_reached,
        result_count=result_count,
        client_address=client_address_of(request),
    )
    audit_record(
        event_type="search.lookup" if scope == SearchScope.STATEWIDE else "search.performed",
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
    user: User,
    city: City,
    query: ReadQuery,
    reason: str,
    offense_type: str,
    case_number: str,
    request: HttpRequest | None = None,
) -> SearchResult:
    """Search ``city``'s reads: the policy engine decides first; a denied search runs no read query.

    Allowed or denied, the search is recorded (``Search`` row and audit entry, one transaction).
    The searcher is one of the city's officers or its chief, or a partner user (whose agency needs
    an agreement in effect: without one the engine denies, and the denial is recorded).
    """
    is_own = user.is_member_of(city)
    if is_own and user.role not in SEARCH_ROLES:
        raise PermissionDenied("Your role does not search reads.")
    if not is_own and not user.is_partner:
        raise PermissionDenied("Not a searcher of this city.")
    agreement = None if is_own else agreement_in_effect(city=city, agency=user.agency, on=city_today(city))
    agency = _searcher_agency(user, city)
    decision = engine.evaluate_search(
        _engine_request(
            user_agency=_profile_for(agency, city, agreement),
            query=query,
            reason=reason,
            offense_type=offense_type,
            case_number=case_number,
            is_own=is_own,
            has_agreement=agreement is not None,
            scope=SCOPE_LOCAL,
        ),
        engine_policy_of(city),
        blocked_agency_names=() if is_own else blocked_agency_names(city=city),
        agreement=engine.AgreementScope(
            allow_partial_plate=agreement.allow_partial_plate,
            permitted_offense_types=frozenset(agreement.permitted_offense_types),
        )
        if agreement is not None
        else None,
    )
    if not is_own:
        decision = _cut_off_decision(city=city, agency=agency) or decision
    reads: list[Read] = []
    cameras_reached = 0
    with city_scope(city), transaction.atomic():
        # Before anything else in this transaction (the audit chain lock comes later, in the order
        # the revocation takes them too): the agreement must still hold as the query runs.
        if decision.allowed and agreement is not None:
            if not _agreement_still_in_effect(agreement=agreement, city=city):
                decision = engine.Decision.deny(
                    [
                        engine.Violation(
                            RULE_AGREEMENT_ENDED,
                            f"{agency.name}'s sharing agreement with {city.name} ended while the search "
                            "was running; nothing was returned.",
                        )
                    ]
                )
        if decision.allowed:
            visible = reads_visible_to(user=user, city=city, agreement=agreement, query=query)
            reads = list(visible.reads)
            cameras_reached, since, until = visible.cameras_reached, visible.since, visible.until
        else:
            since, until = search_window(city=city, query=query)
        search = _record_search(
            city=city,
            user=user,
            agency=agency,
            agreement=agreement,
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

    def ask(target: City, scope: str, own: bool) -> engine.Decision:
        if not own:
            refused = _cut_off_decision(city=target, agency=agency)
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
            visible = reads_visible_to(user=user, city=target, agreement=None, query=query, lookup=True)
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
                event_type="search.lookup_received",
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
