"""Reads that leave a city: ``reads_visible_to`` is the one place, behind a grant and the policy engine."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cameras.models import Read
from portal.models import City
from portal.routers import reads_from_replica
from portal.tenancy import city_scope
from sharing.models import HoldState, Search, SearchHold

if TYPE_CHECKING:
    from sharing.grants import SearchGrant

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


def reads_visible_to(*, grant: SearchGrant, query: ReadQuery, limit: int = RESULT_LIMIT) -> VisibleReads:
    """The reads of the grant's city matching ``query`` that the grant reaches, newest first.

    Applies, in one place: the city scope; the grant's cameras; its full-plate-only rule (agreements
    without partial search, lookups); the retention window. Raises ``PermissionDenied`` for a grant
    that allows no search (the entry point should have refused it). The policy engine must have
    allowed the search before this runs.
    """
    if not grant.allows_search:
        raise PermissionDenied(f"No search is allowed here ({grant.refusal}).")
    city = grant.city
    partial = query.partial
    if partial and not grant.partial_plates:
        raise PermissionDenied("Full-plate search only.")
    since, until = search_window(city=city, query=query)
    # On the read replica when one is configured and fresh (portal/routers.py); the caller's
    # decision and its audit entry stay on the primary.
    with city_scope(city), reads_from_replica():
        cameras = grant.cameras()
        restricted = grant.camera_ids is not None
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


def read_in_search(*, grant: SearchGrant, search: Search, read: Read) -> bool:
    """Whether ``read`` is one the allowed ``search`` could have returned under ``grant``.

    A crop is shown only for a read of a search its viewer made (the purpose is the search's):
    the camera in the grant's scope, the plate matching the query, the time inside the window the
    search covered.
    """
    if not grant.covers_camera(read.camera_id) or search.user_id != grant.searcher.pk:
        return False
    if search.city_id != grant.city.pk or not _search_ran(search):
        return False
    matches = query_plate_matches(plate=read.plate, query=search.plate_query, partial=search.partial)
    filters = search.filters or {}
    try:
        since = dt.datetime.fromisoformat(filters["effective_since"])
        until = dt.datetime.fromisoformat(filters["effective_until"])
    except (KeyError, TypeError, ValueError):
        return False
    cameras = filters.get("camera_ids") or []
    if cameras and str(read.camera.public_id) not in cameras:
        return False
    return matches and since <= read.captured_at <= until


def _search_ran(search: Search) -> bool:
    """Allowed by the engine, or held by it and then approved by a supervisor (its hold ran it)."""
    if search.outcome == "allowed":
        return True
    if search.outcome != "held":
        return False
    with city_scope(search.city):
        approved: bool = SearchHold.objects.filter(search_id=search.pk, state=HoldState.APPROVED).exists()
        return approved


def search_crop_path(city_slug: str, search: Search, read: Read) -> str:
    """Where a searcher sees a read's crop: under the search that returned it."""
    return f"/c/{city_slug}/searches/{search.public_id}/reads/{read.public_id}/crop.jpg"


def query_plate_matches(*, plate: str, query: str, partial: bool) -> bool:
    return (query in plate) if partial else plate == query


def searches_of_city(*, city: City) -> QuerySet[Search]:
    with city_scope(city):
        return Search.objects.select_related("agency").order_by("-searched_at")
