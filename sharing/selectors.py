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
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from cameras.models import Camera, Read
from portal.models import Agency, City, User
from portal.roles import Role
from portal.tenancy import city_scope
from sharing import policy as engine
from sharing.models import AgreementState, CityPolicy, Search, SharingAgreement

# City roles that may search their own city's reads.
SEARCH_ROLES: tuple[Role, ...] = (Role.OFFICER, Role.CHIEF)
# The most rows one search returns.
RESULT_LIMIT = 200
# A search without a time range covers the last 30 days (never beyond the retention window).
DEFAULT_RANGE = dt.timedelta(days=30)

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
    reads: QuerySet[Read]
    cameras_reached: int
    since: dt.datetime
    until: dt.datetime


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
    with city_scope(city):
        cameras = cameras_visible_to(user=user, city=city, agreement=agreement)
        restricted = agreement is not None and not agreement.all_cameras
        if query.camera_ids:
            cameras = cameras.filter(public_id__in=query.camera_ids)
            restricted = True
        camera_pks = list(cameras.values_list("pk", flat=True))
        reads = Read.objects.filter(captured_at__gte=since, captured_at__lte=until)
        if restricted:
            reads = reads.filter(camera_id__in=camera_pks)
        if partial:
            reads = reads.filter(plate__contains=query.plate)
        else:
            reads = reads.filter(plate=query.plate)
        if query.colour:
            reads = reads.filter(vehicle_colour__iexact=query.colour)
        if partial:
            # Newest first, but not by walking the time index backwards: for a substring the
            # planner misjudges, that walk can cover the whole window (tens of seconds at 10M
            # reads). Ordering on an expression makes it find the matches through the trigram
            # index (read_plate_trgm) first and sort only those. See docs/benchmarks.md, Search.
            reads = reads.order_by(Coalesce("captured_at", "captured_at").desc())
        else:
            reads = reads.order_by("-captured_at")
        reads = reads.select_related("camera")[:limit]
    return VisibleReads(reads=reads, cameras_reached=len(camera_pks), since=since, until=until)


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
