"""What each role's dashboard shows: what needs attention, and 30 days of activity.

Selectors only (reads, no writes). Counts, never plates or names. Held searches are counted through
``sharing.selectors.holds`` (those waiting on the chief's decision; an officer's own pending ones);
monthly reviews are counted when their model exists, and left out otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.models import City, User
from portal.roles import HOLD_DECIDER_ROLES, SEARCH_ROLES, Role

if TYPE_CHECKING:
    from cameras.models import Camera

DAYS = 30


@dataclass(frozen=True)
class Attention:
    key: str
    label: str
    count: int
    url: str = ""
    hint: str = ""


def _url(name: str, city: City, query: str = "") -> str:
    try:
        return reverse(name, args=[city.slug]) + query
    except NoReverseMatch:
        return ""


def _model(label: str) -> Any:  # a model class found by label, or None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def offline_cameras(city: City) -> list[Camera]:
    """Active cameras that sent neither a read nor a heartbeat for longer than their expected gap."""
    from cameras.selectors import cameras_silent

    return cameras_silent(city)


def attention_for(*, city: City, user: User) -> list[Attention]:
    """The things waiting on this person's role in this city, in order of urgency."""

    from portal.tenancy import city_scope

    with city_scope(city):
        return _attention_for(city=city, user=user)


def _attention_for(*, city: City, user: User) -> list[Attention]:
    from cameras.models import Hit, HitStatus
    from sharing.models import AgreementState, HoldState, RevocationCase, RevocationState
    from sharing.selectors import agreements_of_city
    from sharing.selectors.holds import holds_awaiting, holds_visible_to

    role = user.role
    items: list[Attention] = []
    if role in (Role.DISPATCHER, Role.CHIEF):
        items.append(
            Attention(
                "unverified_hits",
                "Hits not yet verified",
                Hit.objects.filter(city=city, status=HitStatus.NEW).count(),
                _url("hit_history", city, "?status=new") or _url("hit_board", city),
                "A person checks each hit against the image before anyone acts.",
            )
        )
    if role in (Role.CHIEF,):
        items.append(
            Attention(
                "agreements_awaiting",
                "Agreements awaiting your approval",
                agreements_of_city(city=city).filter(state=AgreementState.AWAITING_CHIEF).count(),
                _url("sharing:agreement_list", city, "?state=awaiting_chief"),
            )
        )
    if role in (Role.CLERK,):
        items.append(
            Attention(
                "agreement_drafts",
                "Agreement drafts to finish",
                agreements_of_city(city=city).filter(state=AgreementState.DRAFT).count(),
                _url("sharing:agreement_list", city, "?state=draft"),
            )
        )
    if role in HOLD_DECIDER_ROLES:
        items.append(
            Attention(
                "holds",
                "Searches held for your decision",
                holds_awaiting(user=user, city=city).count(),
                _url("sharing:hold_list", city),
                "The policy screen was unsure: nothing runs until you approve or refuse, with a reason.",
            )
        )
    elif role in SEARCH_ROLES:
        mine = holds_visible_to(user=user, city=city).filter(state=HoldState.PENDING, search__user_id=user.pk)
        items.append(
            Attention(
                "holds",
                "Your searches held for a supervisor",
                mine.filter(expires_at__gt=timezone.now()).count(),
                _url("sharing:hold_list", city),
            )
        )
    if role in (Role.CHIEF, Role.CLERK, Role.AUDITOR):
        items.append(
            Attention(
                "revocation_cases",
                "Open revocation cases",
                RevocationCase.objects.filter(
                    city=city, state__in=[RevocationState.OPENED, RevocationState.UNDER_REVIEW]
                ).count(),
                _url("sharing:revocation_list", city),
            )
        )
    review_model = _model("audits.Review")
    if review_model is not None and role in (Role.CHIEF,):
        manager = review_model.all_cities if hasattr(review_model, "all_cities") else review_model.objects
        names = {f.name for f in review_model._meta.get_fields()}
        reviews = manager.filter(city=city)
        if "signed_at" in names:
            reviews = reviews.filter(signed_at__isnull=True)
        items.append(Attention("reviews", "Monthly reviews to sign", reviews.count(), ""))
    if role in (Role.CHIEF, Role.CLERK, Role.DISPATCHER):
        offline = offline_cameras(city)
        items.append(
            Attention(
                "cameras_offline",
                "Cameras silent",
                len(offline),
                _url("camera_list", city),
                ", ".join(camera.name for camera in offline[:5]),
            )
        )
    return items


def _days(today: dt.date) -> list[dt.date]:
    return [today - dt.timedelta(days=DAYS - 1 - n) for n in range(DAYS)]


def activity_series(city: City) -> dict[str, Any]:
    """Per day for 30 days (UTC): reads, searches by outcome, hits by status. Counts only."""
    from portal.tenancy import city_scope

    with city_scope(city):
        return _activity_series(city)


def _activity_series(city: City) -> dict[str, Any]:
    from cameras.models import Hit, Read
    from sharing.models import Search

    today = timezone.now().date()
    days = _days(today)
    start = dt.datetime.combine(days[0], dt.time.min, tzinfo=dt.UTC)

    def per_day(queryset: QuerySet[Any], time_field: str, group: str | None = None) -> dict[str, Any]:
        values = ["day"] + ([group] if group else [])
        rows = (
            queryset.filter(**{f"{time_field}__gte": start})
            .annotate(day=TruncDate(time_field, tzinfo=dt.UTC))
            .values(*values)
            .annotate(n=Count("pk"))
            .order_by()
        )
        table: dict[str, Any] = {}
        for row in rows:
            key = row[group] if group else "all"
            table.setdefault(key, {})[row["day"]] = row["n"]
        return table

    def line(table: dict[str, Any], key: str) -> list[int]:
        return [table.get(key, {}).get(day, 0) for day in days]

    reads = per_day(Read.objects.filter(city=city), "captured_at")
    searches = per_day(Search.objects.filter(city=city), "searched_at", "outcome")
    hits = per_day(Hit.objects.filter(city=city), "created_at", "status")
    search_outcomes = ["allowed", "held", "denied"]
    for outcome in searches:
        if outcome not in search_outcomes:
            search_outcomes.append(outcome)
    return {
        "labels": [day.strftime("%b %d") for day in days],
        "days": [day.isoformat() for day in days],
        "reads": {"Reads": line(reads, "all")},
        "searches": {
            {"allowed": "Allowed", "held": "Held for a supervisor", "denied": "Refused"}.get(o, o): line(
                searches, o
            )
            for o in search_outcomes
        },
        "hits": {
            "Confirmed": line(hits, "confirmed"),
            "Rejected": line(hits, "rejected"),
            "Not verified": line(hits, "new"),
        },
    }
