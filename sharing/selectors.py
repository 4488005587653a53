"""Reads that decide what a caller may see of a city's sharing data and reads.

``reads_visible_to`` is the one place where reads leave a city: every search and lookup goes
through it, after the policy engine has allowed the search.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from cameras.models import Camera, Read
from portal.models import Agency, City, User
from portal.roles import Role
from portal.routers import reads_from_replica
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.models import (
    AgreementState,
    CityPolicy,
    PermanentBlock,
    RevocationCase,
    RevocationState,
    Search,
    SharingAgreement,
)
from sharing.policy.text import normalize_name

# City roles that may search their own city's reads.
SEARCH_ROLES: tuple[Role, ...] = (Role.OFFICER, Role.CHIEF)
# The most rows one search returns.
RESULT_LIMIT = 200
# A search without a time range covers the last 30 days (never beyond the retention window).
DEFAULT_RANGE = dt.timedelta(days=30)
# Partial-plate searches look at the newest 2 UTC days, then at the rest of the window only when
# that did not fill a page (see _newest_partial_matches; more slices made rare substrings slower).
PARTIAL_SEARCH_DAYS = (2,)

_PLATE_CHARACTERS = re.compile(r"[^A-Z0-9]")


def normalize_plate(text: str) -> str:
    """Plates are stored upper-case, letters and digits only."""
    return _PLATE_CHARACTERS.sub("", (text or "").upper())


@dataclass(frozen=True)
class ReadQuery:
    """A plate search as asked (after input validation)."""

    plate: str
    partial: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    camera_ids: Sequence[uuid.UUID] = field(default_factory=tuple)  # public ids; empty: every camera
    colour: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "plate", normalize_plate(self.plate))
        object.__setattr__(self, "camera_ids", tuple(self.camera_ids))
        object.__setattr__(self, "colour", (self.colour or "").strip().lower())


def city_today(city: City) -> dt.date:
    """Today in the city's own time zone (agreements start and end on the city's dates)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(city.time_zone))


# ----------------------------------------------------------------------------------------------
# Policy
# ----------------------------------------------------------------------------------------------


def city_policy_of(city: City) -> CityPolicy:
    """The city's saved policy, or its preset (unsaved) when the chief has not edited it yet."""
    with city_scope(city):
        saved = CityPolicy.objects.filter(city=city).first()
    return saved if saved is not None else CityPolicy.from_preset(city)


def engine_policy_of(city: City) -> engine.CityPolicy:
    return city_policy_of(city).to_engine()


def agency_profile(agency: Agency, *, agreement: SharingAgreement | None = None) -> engine.AgencyProfile:
    """The engine's view of an agency: its registry flags and its whole parent chain."""
    chain = agency.parent_chain()
    return engine.AgencyProfile(
        name=agency.name,
        kind=agency.kind,
        state=agency.state,
        immigration_enforcement=agency.immigration_enforcement,
        participates_287g=agency.participates_287g,
        federal_task_force=agency.federal_task_force,
        parent_chain=tuple(parent.name for parent in chain[1:]),
        immigration_parents=tuple(parent.name for parent in chain[1:] if parent.immigration_enforcement),
        signed_declaration=bool(agreement is not None and agreement.has_signed_declaration()),
    )


# ----------------------------------------------------------------------------------------------
# Agreements
# ----------------------------------------------------------------------------------------------


def agreements_of_city(*, city: City) -> QuerySet[SharingAgreement]:
    with city_scope(city):
        return SharingAgreement.objects.select_related(
            "partner_agency", "drafted_by", "approved_by"
        ).order_by("-created_at")


def get_agreement_for_city(*, city: City, public_id: uuid.UUID) -> SharingAgreement:
    """The city's agreement, or 404 (missing and another city's answer the same)."""
    agreement = agreements_of_city(city=city).filter(public_id=public_id).first()
    if agreement is None:
        raise Http404("No such agreement.")
    return agreement


def agreement_in_effect(
    *, city: City, agency: Agency | None, on: dt.date | None = None
) -> SharingAgreement | None:
    """The partner agency's active agreement with ``city`` that covers ``on`` (today), if any."""
    if agency is None:
        return None
    on = on or city_today(city)
    with city_scope(city):
        return (
            SharingAgreement.objects.filter(
                partner_agency=agency, state=AgreementState.ACTIVE, starts_on__lte=on, ends_on__gte=on
            )
            .select_related("partner_agency")
            .first()
        )


def agreements_in_effect_for_agency(*, agency: Agency, on: dt.date | None = None) -> list[SharingAgreement]:
    """Every city that shares with ``agency`` today (for the partner's home page)."""
    on = on or timezone.localdate()
    return list(
        SharingAgreement.all_cities.filter(
            partner_agency=agency, state=AgreementState.ACTIVE, starts_on__lte=on, ends_on__gte=on
        )
        .select_related("city")
        .order_by("city__name")
    )


def user_may_search(*, user: User, city: City) -> bool:
    """A city officer or chief, or a partner user whose agency has an agreement in effect."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_member_of(city):
        return user.role in SEARCH_ROLES
    return user.is_partner and agreement_in_effect(city=city, agency=user.agency) is not None


# ----------------------------------------------------------------------------------------------
# Cameras and reads
# ----------------------------------------------------------------------------------------------


def _check_searcher(*, user: User, city: City, agreement: SharingAgreement | None, lookup: bool) -> None:
    """Defence in depth: the selector refuses a caller that the entry point should have refused."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("Not signed in.")
    if lookup:
        if user.city_id is None or user.city_id == city.pk or user.role not in SEARCH_ROLES:
            raise PermissionDenied("Lookups are made by another city's officers.")
        return
    if user.is_member_of(city):
        if user.role not in SEARCH_ROLES or agreement is not None:
            raise PermissionDenied("Your role does not search reads.")
        return
    if (
        agreement is None
        or not user.is_partner
        or agreement.city_id != city.pk
        or agreement.partner_agency_id != user.agency_id
        or not agreement.is_in_effect(city_today(city))
    ):
        raise PermissionDenied("No sharing agreement in effect.")


def cameras_visible_to(*, user: User, city: City, agreement: SharingAgreement | None) -> QuerySet[Camera]:
    """The city's cameras a searcher may reach: all of them, or the agreement's chosen ones."""
    with city_scope(city):
        cameras = Camera.objects.all()
        if agreement is not None and not agreement.all_cameras:
            cameras = cameras.filter(sharing_agreements=agreement)
        return cameras.order_by("name")


def search_window(
    *, city: City, query: ReadQuery, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The effective time range: the asked range, never older than the city's retention window."""
    now = now or timezone.now()
    floor = now - dt.timedelta(days=city.retention_days)
    until = min(query.until or now, now)
    since = query.since or (until - DEFAULT_RANGE)
    return max(since, floor), until


@dataclass(frozen=True)
class VisibleReads:
    reads: list[Read]
    cameras_reached: int
    since: dt.datetime
    until: dt.datetime


def _day_slices(*, since: dt.datetime, until: dt.datetime) -> list[list[dt.date] | None]:
    """``[since, until]`` as disjoint slices of UTC days, newest first; ``None`` is every older day.

    Each slice ends ``PARTIAL_SEARCH_DAYS`` days back from ``until``'s day (the first, two days,
    holds at least 24 hours of reads whatever the time of day); the last is the rest of the window.
    """
    newest, oldest = until.astimezone(dt.UTC).date(), since.astimezone(dt.UTC).date()
    slices: list[list[dt.date] | None] = []
    start = 0
    for end in PARTIAL_SEARCH_DAYS:
        days = [newest - dt.timedelta(days=n) for n in range(start, end)]
        days = [day for day in days if day >= oldest]
        if days:
            slices.append(days)
        if newest - dt.timedelta(days=end) < oldest:
            return slices
        start = end
    slices.append(None)
    return slices


def _newest_partial_matches(
    reads: QuerySet[Read], *, since: dt.datetime, until: dt.datetime, limit: int
) -> list[Read]:
    """The newest ``limit`` of ``reads`` (a partial-plate filter) in ``[since, until]``, newest first.

    A short substring matches tens of thousands of reads in 30 days at 10M reads; fetching them all
    to keep the newest page is what made 3-character searches slow. The window is searched in slices
    of UTC days, newest first, and the search stops as soon as a page is full: the rows are the same
    as one query over the whole window (the slices are disjoint and each is taken newest first).
    Each slice names its days (``(captured_at AT TIME ZONE 'UTC')::date = day OR ...``) so that a
    GIN index on (city, that day, plate trigrams) finds only that slice's matches; the time bounds
    stay those of the whole window so that the planner never intersects the trigram bitmap with a
    range of ``read_city_time`` (lossy, and slower than fetching every match). The oldest slice is
    bounded by time only. See docs/benchmarks.md, Search.
    """
    reads = reads.filter(captured_at__gte=since, captured_at__lte=until).alias(
        utc_day=TruncDate("captured_at", tzinfo=dt.UTC)
    )
    rows: list[Read] = []
    named: list[dt.date] = []
    for days in _day_slices(since=since, until=until):
        if days is None:
            oldest = min(named)
            window = reads.filter(captured_at__lt=dt.datetime.combine(oldest, dt.time(), tzinfo=dt.UTC))
        else:
            named.extend(days)
            any_day = Q()
            for day in days:
                any_day |= Q(utc_day=day)
            window = reads.filter(any_day)
        # Newest first, but not by walking the time index backwards: for a substring the planner
        # misjudges, that walk can cover the whole window (tens of seconds at 10M reads). Ordering
        # on an expression makes it find the matches through a trigram index and sort only those.
        ordered = window.order_by(Coalesce("captured_at", "captured_at").desc())
        rows.extend(ordered[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows


def reads_visible_to(
    *,
    user: User,
    city: City,
    agreement: SharingAgreement | None,
    query: ReadQuery,
    lookup: bool = False,
    limit: int = RESULT_LIMIT,
) -> VisibleReads:
    """The reads of ``city`` matching ``query`` that ``user`` may see, newest first, at most ``limit``.

    Applies, in one place: the city scope; the agreement's cameras (a partner) or every camera of
    the city (its own officers; a lookup); the full-plate-only rule of agreements without partial
    search and of lookups; the retention window. Raises ``PermissionDenied`` for a caller that may
    not search here at all. The policy engine must have allowed the search before this runs.
    """
    _check_searcher(user=user, city=city, agreement=agreement, lookup=lookup)
    partial = query.partial
    if partial and (lookup or (agreement is not None and not agreement.allow_partial_plate)):
        raise PermissionDenied("Full-plate search only.")
    since, until = search_window(city=city, query=query)
    # On the read replica when one is configured and fresh (portal/routers.py); the caller's
    # decision and its audit entry stay on the primary.
    with city_scope(city), reads_from_replica():
        cameras = cameras_visible_to(user=user, city=city, agreement=agreement)
        restricted = agreement is not None and not agreement.all_cameras
        if query.camera_ids:
            cameras = cameras.filter(public_id__in=query.camera_ids)
            restricted = True
        camera_pks = list(cameras.values_list("pk", flat=True))
        reads = Read.objects.all()
        if restricted:
            reads = reads.filter(camera_id__in=camera_pks)
        if partial:
            reads = reads.filter(plate__contains=query.plate)
        else:
            reads = reads.filter(plate=query.plate)
        if query.colour:
            reads = reads.filter(vehicle_colour__iexact=query.colour)
        reads = reads.select_related("camera")
        if partial:
            rows = _newest_partial_matches(reads, since=since, until=until, limit=limit)
        else:
            window = reads.filter(captured_at__gte=since, captured_at__lte=until)
            rows = list(window.order_by("-captured_at")[:limit])
    return VisibleReads(reads=rows, cameras_reached=len(camera_pks), since=since, until=until)


def lookup_cities_for(*, city: City) -> list[City]:
    """Other cities a lookup from ``city`` may reach: both opted in (same state: statewide lookup;
    another state: national lookup). Each reached city's own policy still decides the search."""
    origin = city_policy_of(city)
    if not (origin.statewide_lookup_enabled or origin.national_lookup_enabled):
        return []
    reachable: list[City] = []
    opted_in = CityPolicy.all_cities.exclude(city=city).filter(
        Q(statewide_lookup_enabled=True) | Q(national_lookup_enabled=True)
    )
    for policy in opted_in.select_related("city").order_by("city__name"):
        other = policy.city
        if other.state == city.state:
            if origin.statewide_lookup_enabled and policy.statewide_lookup_enabled:
                reachable.append(other)
        elif origin.national_lookup_enabled and policy.national_lookup_enabled:
            reachable.append(other)
    return reachable


def searches_of_city(*, city: City) -> QuerySet[Search]:
    with city_scope(city):
        return Search.objects.select_related("agency").order_by("-searched_at")


# ----------------------------------------------------------------------------------------------
# Revocation: cases, the permanent block list, who is cut off
# ----------------------------------------------------------------------------------------------


def agency_with_units(agency: Agency) -> list[Agency]:
    """``agency`` and every agency whose parent chain includes it (its units, at any depth)."""
    found: list[Agency] = [agency]
    seen = {agency.pk}
    frontier = [agency.pk]
    while frontier:
        children = list(Agency.objects.filter(parent_id__in=frontier).exclude(pk__in=seen))
        frontier = [child.pk for child in children]
        seen.update(frontier)
        found.extend(children)
    return found


def permanent_blocks_of(*, city: City) -> QuerySet[PermanentBlock]:
    with city_scope(city):
        return PermanentBlock.objects.select_related("agency", "case").order_by("-created_at")


def _block_names(block: PermanentBlock) -> set[str]:
    """The names a block covers: the agency and its parent chain, as recorded and as they stand now."""
    names = set(block.covered_names or []) | {block.agency_name}
    names |= {agency.name for agency in block.agency.parent_chain()}
    return {name for name in names if name and name.strip()}


def blocked_agency_names(*, city: City) -> frozenset[str]:
    """The city's permanent block list as the policy engine takes it (``blocked_agency_names``).

    The engine refuses an agency whose own name or any parent's name is on it; each block lists the
    blocked agency and its parent organisations, so units, siblings and parents are all refused.
    """
    names: set[str] = set()
    for block in permanent_blocks_of(city=city):
        names |= _block_names(block)
    return frozenset(names)


def permanent_block_covering(*, city: City, agency: Agency | None) -> PermanentBlock | None:
    """The city's permanent block that covers ``agency`` (itself, a unit, a parent or a sibling)."""
    if agency is None:
        return None
    chain = agency.parent_chain()
    chain_pks = {node.pk for node in chain}
    chain_names = {normalize_name(node.name) for node in chain}
    for block in permanent_blocks_of(city=city):
        if block.agency_id in chain_pks or {normalize_name(n) for n in _block_names(block)} & chain_names:
            return block
    return None


def block_citation(block: PermanentBlock) -> str:
    case = block.case
    when = (case.decided_at or block.created_at).date().isoformat()
    return (
        f"{block.agency_name} was permanently revoked by this city on {when} "
        f"(revocation case {case.reference}, grounds: {case.get_grounds_display().lower()})."
    )


@dataclass(frozen=True)
class CutOff:
    """Why a city has cut an agency off: a permanent block, a suspension under review, a revocation."""

    kind: str  # "blocked", "suspended" or "revoked"
    case: RevocationCase
    message: str


def agency_cut_off(*, city: City, agency: Agency | None) -> CutOff | None:
    """Whether ``city`` has cut ``agency`` off (directly or through an organisation above it).

    A permanent block always holds. A suspension holds while its case is under review. A revocation
    on other grounds holds until the chief approves a new agreement with the agency after it.
    """
    if agency is None:
        return None
    block = permanent_block_covering(city=city, agency=agency)
    if block is not None:
        return CutOff("blocked", block.case, block_citation(block))
    chain_pks = [node.pk for node in agency.parent_chain()]
    with city_scope(city):
        cases = RevocationCase.objects.filter(agency_id__in=chain_pks).filter(
            Q(state=RevocationState.UNDER_REVIEW, suspended_at__isnull=False)
            | Q(state=RevocationState.REVOKED)
        )
        for case in cases.select_related("agency").order_by("-opened_at"):
            if case.state == RevocationState.UNDER_REVIEW:
                return CutOff(
                    "suspended",
                    case,
                    f"{case.agency.name} is suspended while revocation case {case.reference} is under review.",
                )
            readmitted = SharingAgreement.objects.filter(
                partner_agency=agency, approved_at__gt=case.decided_at
            ).exists()
            if not readmitted:
                return CutOff(
                    "revoked",
                    case,
                    f"{case.agency.name}'s access was revoked on {case.decided_at.date().isoformat()} "
                    f"(revocation case {case.reference}).",
                )
    return None


def agreements_of_agency_and_units(*, city: City, agency: Agency) -> QuerySet[SharingAgreement]:
    """Every agreement of ``city`` with ``agency`` or one of its units."""
    pks = [node.pk for node in agency_with_units(agency)]
    with city_scope(city):
        return SharingAgreement.objects.filter(partner_agency_id__in=pks)


def revocation_cases_of(*, city: City, state: str = "", grounds: str = "") -> QuerySet[RevocationCase]:
    with city_scope(city):
        cases = RevocationCase.objects.select_related("agency", "opened_by", "decided_by")
        if state:
            cases = cases.filter(state=state)
        if grounds:
            cases = cases.filter(grounds=grounds)
        return cases.order_by("-opened_at")


def get_revocation_case_for_city(*, city: City, public_id: uuid.UUID) -> RevocationCase:
    """The city's case, or 404 (missing and another city's answer the same)."""
    case = revocation_cases_of(city=city).filter(public_id=public_id).first()
    if case is None:
        raise Http404("No such revocation case.")
    return case


def revocation_evidence_candidates(*, city: City, agency: Agency, limit: int = 200):
    """The city's audit entries and searches of ``agency`` and its units, newest first, to attach."""
    from audits.models import AuditEvent

    pks = [node.pk for node in agency_with_units(agency)]
    events = AuditEvent.objects.filter(city=city, agency_id__in=pks).order_by("-sequence")[:limit]
    with city_scope(city):
        searches = Search.objects.filter(agency_id__in=pks).order_by("-searched_at")[:limit]
    return events, searches


def revocation_case_history(*, case: RevocationCase):
    """The case's own audit entries (every transition: who, when, why)."""
    from audits.models import AuditEvent

    return AuditEvent.objects.filter(
        city_id=case.city_id, target_type="revocation_case", target_id=str(case.public_id)
    ).order_by("sequence")


# ----------------------------------------------------------------------------------------------
# Partner hotlist alerts
# ----------------------------------------------------------------------------------------------


def partner_alert_agreements(
    *, city: City, camera_id: int, on: dt.date | None = None
) -> list[SharingAgreement]:
    """Agreements in effect with hotlist alerts whose camera scope covers the camera (not cut off)."""
    on = on or city_today(city)
    with city_scope(city):
        agreements = (
            SharingAgreement.objects.filter(
                state=AgreementState.ACTIVE, hotlist_alerts=True, starts_on__lte=on, ends_on__gte=on
            )
            .filter(Q(all_cameras=True) | Q(cameras__pk=camera_id))
            .select_related("partner_agency")
            .distinct()
        )
        return [a for a in agreements if agency_cut_off(city=city, agency=a.partner_agency) is None]


def agency_alerts_group(agency: Agency) -> str:
    return f"agency.{agency.public_id.hex}.alerts"


def agency_receives_alerts(*, agency: Agency) -> bool:
    """Whether any city sends ``agency`` hotlist alerts today (for the partner alert socket)."""
    candidates = SharingAgreement.all_cities.filter(
        partner_agency=agency, state=AgreementState.ACTIVE, hotlist_alerts=True
    ).select_related("city")
    return any(
        agreement.is_in_effect(city_today(agreement.city))
        and agency_cut_off(city=agreement.city, agency=agency) is None
        for agreement in candidates
    )
