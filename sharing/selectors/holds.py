"""Held searches: who sees a hold, who decides it, and what waits on a supervisor.

A hold is seen by its searcher and by the people who may decide it: the city's chief for the city's
own officers, a named supervisor of the searching agency (``User.supervises_agency``) for a partner
user. Nobody decides their own search. Everyone else gets the same 404 as for a missing hold.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet
from django.utils import timezone

from cameras.models import Camera
from portal.models import City, User
from portal.roles import HOLD_DECIDER_ROLES
from portal.tenancy import city_scope
from sharing.models import HoldState, HoldSupervisor, Search, SearchHold
from sharing.selectors.agreements import agreements_in_effect_for_agency
from sharing.selectors.reads import ReadQuery


def _decider_filter(*, user: User, city: City) -> Q | None:
    """The holds of ``city`` that ``user`` may decide (their own searches aside), or None."""
    if user.has_city_role(city, *HOLD_DECIDER_ROLES):
        return Q(supervisor=HoldSupervisor.CITY_CHIEF)
    if user.is_agency_supervisor and user.agency_id is not None:
        return Q(supervisor=HoldSupervisor.AGENCY_SUPERVISOR, search__agency_id=user.agency_id)
    return None


def may_decide_hold(*, user: User, hold: SearchHold) -> bool:
    """Whether ``user`` is a named supervisor of this hold (never its own searcher)."""
    search = hold.search
    if not user.is_authenticated or not user.is_active or search.user_id == user.pk:
        return False
    if hold.supervisor == HoldSupervisor.CITY_CHIEF:
        return user.has_city_role(hold.city, *HOLD_DECIDER_ROLES)
    return user.is_agency_supervisor and search.agency_id is not None and user.agency_id == search.agency_id


def hold_visible_to(*, user: User, hold: SearchHold) -> bool:
    return hold.search.user_id == user.pk or may_decide_hold(user=user, hold=hold)


def holds_visible_to(*, user: User, city: City) -> QuerySet[SearchHold]:
    """The city's holds that ``user`` searched or may decide, newest first."""
    visible = Q(search__user_id=user.pk)
    decidable = _decider_filter(user=user, city=city)
    if decidable is not None:
        visible |= decidable
    with city_scope(city):
        holds: QuerySet[SearchHold] = (
            SearchHold.objects.filter(visible)
            .select_related("search", "search__user", "search__agency", "decided_by")
            .order_by("-created_at")
        )
        return holds


def holds_awaiting(*, user: User, city: City, now: dt.datetime | None = None) -> QuerySet[SearchHold]:
    """Pending, unexpired holds of ``city`` that wait on ``user``'s decision (the dashboard count)."""
    now = now or timezone.now()
    decidable = _decider_filter(user=user, city=city)
    with city_scope(city):
        if decidable is None:
            nothing: QuerySet[SearchHold] = SearchHold.objects.none()
            return nothing
        holds: QuerySet[SearchHold] = (
            SearchHold.objects.filter(decidable, state=HoldState.PENDING, expires_at__gt=now)
            .exclude(search__user_id=user.pk)
            .select_related("search", "search__user", "search__agency")
            .order_by("expires_at")
        )
        return holds


def holds_awaiting_agency_supervisor(*, user: User, now: dt.datetime | None = None) -> list[SearchHold]:
    """For a partner agency's supervisor: pending holds of their agency in each city that shares
    with it today (where they can open the hold page), for their home page."""
    if not user.is_agency_supervisor or user.agency is None:
        return []
    now = now or timezone.now()
    holds: list[SearchHold] = []
    for agreement in agreements_in_effect_for_agency(agency=user.agency):
        holds.extend(holds_awaiting(user=user, city=agreement.city, now=now).select_related("city"))
    return holds


def get_hold_for_user(*, user: User, city: City, public_id: uuid.UUID) -> SearchHold | None:
    """The hold, if ``user`` may see it; None for a missing one and for one that is not theirs."""
    return holds_visible_to(user=user, city=city).filter(public_id=public_id).first()


def hold_supervisors(*, hold: SearchHold) -> list[User]:
    """The people named to decide ``hold``, by username (shown to its searcher)."""
    search = hold.search
    if hold.supervisor == HoldSupervisor.CITY_CHIEF:
        people = User.objects.filter(city_id=hold.city_id, role__in=list(HOLD_DECIDER_ROLES))
    elif search.agency_id is not None:
        people = User.objects.filter(agency_id=search.agency_id, role="partner", supervises_agency=True)
    else:
        return []
    return list(people.filter(is_active=True).exclude(pk=search.user_id).order_by("username"))


def held_query(search: Search) -> ReadQuery:
    """The search as it was asked, over the window it covered when it was held."""
    filters = search.filters or {}

    def moment(key: str, fallback: dt.datetime | None) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(str(filters[key]))
        except (KeyError, TypeError, ValueError):
            return fallback

    camera_ids = []
    for value in filters.get("camera_ids") or []:
        try:
            camera_ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return ReadQuery(
        plate=search.plate_query,
        partial=search.partial,
        since=moment("effective_since", search.since),
        until=moment("effective_until", search.until),
        camera_ids=tuple(camera_ids),
        colour=str(filters.get("colour") or ""),
    )


def held_camera_names(search: Search) -> list[str]:
    """The names of the cameras a held search asked for (empty: every camera in scope)."""
    ids = [str(value) for value in (search.filters or {}).get("camera_ids") or []]
    if not ids:
        return []
    with city_scope(search.city):
        return list(Camera.objects.filter(public_id__in=ids).order_by("name").values_list("name", flat=True))
