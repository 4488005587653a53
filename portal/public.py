"""The public page's data, per city: one report used by the HTML page, the CSV and the JSON.

Counts, categories and agency names only: never a plate, an image or an officer's name. The report
is cached, and any change to what it shows (a camera, an agreement, a revocation, the policy, a
search, a hit, the city itself) drops the city's cached copy (``invalidate_public_report``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Model
from django.db.models.functions import TruncDate
from django.utils import timezone
from redis.exceptions import RedisError

from audits.models import AuditEvent
from audits.reviews.models import Review
from cameras.models import Camera, CameraStatus, Hit, HitStatus, Hotlist, Read
from portal.labels import offense_label, outcome_label
from portal.models import City
from portal.tenancy import city_scope
from sharing.models import RevocationCase, RevocationState, Search
from sharing.selectors import active_agreements_of_city

PURPOSE_LABELS = {
    "civil_immigration_enforcement": "civil immigration enforcement",
    "reproductive_health_care": "investigating reproductive health care",
    "first_amendment_activity": "tracking protest, worship, the press or other protected activity",
}
CACHE_PREFIX = "steward:public:v1"
logger = logging.getLogger(__name__)


def _cache_key(city: City) -> str:
    """Keyed by the head of the city's audit chain too: every governed change writes an entry there,
    so a change made through a bulk update (which sends no signal) still gets a fresh report."""
    head = (
        AuditEvent.objects.filter(city=city).order_by("-sequence").values_list("sequence", flat=True).first()
    )
    return f"{CACHE_PREFIX}:{city.public_id.hex}:{head or 0}"


def _base_key(public_id: uuid.UUID) -> str:
    return f"{CACHE_PREFIX}:{public_id.hex}:generation"


def invalidate_public_report(city_id: int | None) -> None:
    if city_id is None:
        return
    public_id = City.objects.filter(pk=city_id).values_list("public_id", flat=True).first()
    if public_id is not None:
        try:
            try:
                cache.incr(_base_key(public_id))
            except ValueError:
                cache.set(_base_key(public_id), 1, None)
        except RedisError:
            # The change itself stands (a search, a hit): with the cache down there is no copy to
            # drop, and one that survives is keyed by the audit chain's head anyway (_cache_key).
            logger.warning("public report of city %s not invalidated: the cache is unreachable", city_id)


def public_report(city: City) -> dict[str, Any]:
    """The report for ``city``, from the cache when a current copy is there."""
    try:
        generation = cache.get(_base_key(city.public_id)) or 0
        key = f"{_cache_key(city)}:{generation}"
        report: dict[str, Any] | None = cache.get(key)
    except RedisError:
        logger.warning("public report of %s built without the cache: the cache is unreachable", city.slug)
        return build_public_report(city)
    if report is None:
        report = build_public_report(city)
        try:
            cache.set(key, report, settings.STEWARD_PUBLIC_CACHE_SECONDS)
        except RedisError:
            logger.warning("public report of %s not cached: the cache is unreachable", city.slug)
    return report


def policy_statements(city: City) -> list[str]:
    """The city's search policy in sentences, from the values the chief set (``CityPolicy``)."""
    from sharing.models import CityPolicy

    with city_scope(city):
        policy = CityPolicy.objects.filter(city=city).first()
    if policy is None:
        return [f"Reads are kept {city.retention_days} days. No search policy has been set yet."]
    statements = [
        f"Reads are deleted after {policy.retention_days} days, unless held as evidence in a case.",
    ]
    purposes = [PURPOSE_LABELS.get(p, p.replace("_", " ")) for p in policy.prohibited_purposes or []]
    if purposes:
        statements.append("No search is allowed for " + "; ".join(purposes) + ".")
    offenses = sorted(offense_label(code) for code in policy.permitted_offense_types or [])
    if offenses:
        statements.append("Searches are allowed only for these offense types: " + ", ".join(offenses) + ".")
    needs = ["a reason"]
    if policy.require_offense_type:
        needs.append("an offense type")
    if policy.require_case_number:
        needs.append("a case or call number")
    statements.append(
        "Every search must give " + ", ".join(needs) + ", and is recorded with the searcher's name."
    )
    statements.append(f"A partial plate must have at least {policy.min_partial_plate_length} characters.")
    statements.append(
        "Agencies outside the state may "
        + ("" if policy.allow_out_of_state_agencies else "not ")
        + "search under an agreement; federal agencies may "
        + ("" if policy.allow_federal_agencies else "not ")
        + "."
    )
    if policy.require_declaration_for_outside_agencies:
        statements.append("An agency from outside the city signs a written declaration before it may search.")
    statements.append(
        "Statewide lookup is "
        + ("on" if policy.statewide_lookup_enabled else "off")
        + "; national lookup is "
        + ("on" if policy.national_lookup_enabled else "off")
        + "."
    )
    statements.append("Every hit is verified by a person against the image before anyone acts on it.")
    return statements


@dataclass(frozen=True)
class PublicRevocation:
    agency: str
    decided_on: dt.date
    grounds: str
    permanent: bool


@dataclass(frozen=True)
class SearchTally:
    agency: str
    offense_type: str
    outcome: str
    count: int


@dataclass(frozen=True)
class AuditCheckpoint:
    """The head of the city's audit chain: anyone can note it and compare it later."""

    sequence: int
    entry_hash: str
    occurred_at: dt.datetime


@dataclass(frozen=True)
class CityPublicSummary:
    cameras_active: int
    cameras_total: int
    retention_days: int
    policy_preset: str
    agencies_with_access: list[str] = field(default_factory=list)
    revocations: list[PublicRevocation] = field(default_factory=list)
    reads_last_30_days: int = 0
    hits_confirmed_last_30_days: int = 0
    hits_rejected_last_30_days: int = 0
    searches_last_30_days: list[SearchTally] = field(default_factory=list)
    hotlist_sources: list[str] = field(default_factory=list)
    checkpoint: AuditCheckpoint | None = None


def city_public_summary(city: City) -> CityPublicSummary:
    """What the public is owed about a city, counted without any plate or name.

    Every agency with access (every active agreement, not a chosen few) and every revocation
    (agency, date, grounds category); never an officer's name or a plate.
    """
    month_ago = timezone.now() - dt.timedelta(days=30)
    with city_scope(city):
        cameras = Camera.objects.all()
        agencies = sorted({a.partner_agency.name for a in active_agreements_of_city(city=city)})
        revocations = [
            PublicRevocation(
                agency=case.agency.name,
                decided_on=(case.decided_at or case.opened_at).date(),  # a revoked case has its decision time
                grounds=case.get_grounds_display(),
                permanent=case.is_permanent(),
            )
            for case in RevocationCase.objects.filter(state=RevocationState.REVOKED)
            .select_related("agency")
            .order_by("-decided_at")
        ]
        return CityPublicSummary(
            cameras_active=cameras.filter(status=CameraStatus.ACTIVE).count(),
            cameras_total=cameras.count(),
            retention_days=city.retention_days,
            policy_preset=city.get_policy_preset_display(),
            agencies_with_access=agencies,
            revocations=revocations,
            reads_last_30_days=Read.objects.filter(captured_at__gte=month_ago).count(),
            hits_confirmed_last_30_days=Hit.objects.filter(
                created_at__gte=month_ago, status=HitStatus.CONFIRMED
            ).count(),
            hits_rejected_last_30_days=Hit.objects.filter(
                created_at__gte=month_ago, status=HitStatus.REJECTED
            ).count(),
            searches_last_30_days=[
                SearchTally(
                    agency=row["agency_name"] or city.name,
                    offense_type=row["offense_type"] or "(none given)",
                    outcome=row["outcome"],
                    count=row["count"],
                )
                for row in Search.objects.filter(searched_at__gte=month_ago)
                .values("agency_name", "offense_type", "outcome")
                .annotate(count=Count("pk"))
                .order_by("agency_name", "offense_type", "outcome")
            ],
            hotlist_sources=sorted(
                {hotlist.get_source_display() for hotlist in Hotlist.objects.filter(archived_at__isnull=True)}
            ),
            checkpoint=(
                AuditCheckpoint(**head)
                if (
                    head := AuditEvent.objects.filter(city=city)
                    .order_by("-sequence")
                    .values("sequence", "entry_hash", "occurred_at")
                    .first()
                )
                else None
            ),
        )


def _days(n: int = 30) -> list[dt.date]:
    today = timezone.now().date()
    return [today - dt.timedelta(days=n - 1 - i) for i in range(n)]


def build_public_report(city: City) -> dict[str, Any]:
    from portal.dashboard import activity_series

    summary = city_public_summary(city)
    activity = activity_series(city)
    now = timezone.now()
    month_ago = now - dt.timedelta(days=30)
    with city_scope(city):
        cameras = []
        if city.publish_camera_locations:
            cameras = [
                {
                    "name": c.name,
                    "latitude": float(c.latitude),
                    "longitude": float(c.longitude),
                    "status": c.get_status_display(),
                }
                for c in Camera.objects.exclude(status=CameraStatus.RETIRED).order_by("name")
            ]
        agreements = []
        for agreement in active_agreements_of_city(city=city):
            agreements.append(
                {
                    "agency": agreement.partner_agency.name,
                    "agency_kind": agreement.partner_agency.get_kind_display(),
                    "starts_on": agreement.starts_on.isoformat(),
                    "ends_on": agreement.ends_on.isoformat(),
                    "cameras": "all" if agreement.all_cameras else str(agreement.cameras.count()),
                    "partial_plates": agreement.allow_partial_plate,
                    "hotlist_alerts": agreement.hotlist_alerts,
                    "offense_types": sorted(offense_label(c) for c in agreement.permitted_offense_types or [])
                    or ["any the city's policy allows"],
                }
            )
        monthly = (
            Search.objects.filter(searched_at__gte=now - dt.timedelta(days=365))
            .annotate(day=TruncDate("searched_at", tzinfo=dt.UTC))
            .values("day", "outcome")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_month: dict[str, dict[str, int]] = {}
        for row in monthly:
            month = row["day"].strftime("%Y-%m")
            by_month.setdefault(month, {})[outcome_label(row["outcome"])] = (
                by_month.get(month, {}).get(outcome_label(row["outcome"]), 0) + row["n"]
            )
        hits = Hit.objects.filter(created_at__gte=month_ago).values("status").annotate(n=Count("pk"))
        hit_counts = {row["status"]: row["n"] for row in hits}
        checkpoints: list[dict[str, Any]] = []
        for day in reversed(_days(14)):
            head = (
                AuditEvent.objects.filter(city=city, occurred_at__date__lte=day)
                .order_by("-sequence")
                .values("sequence", "entry_hash", "occurred_at")
                .first()
            )
            if head and (not checkpoints or checkpoints[-1]["sequence"] != head["sequence"]):
                checkpoints.append(
                    {
                        "as_of": day.isoformat(),
                        "sequence": head["sequence"],
                        "entry_hash": head["entry_hash"],
                        "occurred_at": head["occurred_at"].isoformat(),
                    }
                )
    reviews = _signed_reviews(city)
    return {
        "city": {"name": city.name, "state": city.state, "slug": city.slug},
        "generated_at": now.isoformat(),
        "retention_days": summary.retention_days,
        "policy_preset": summary.policy_preset,
        "policy": policy_statements(city),
        "usage_policy": city.usage_policy,
        "cameras_active": summary.cameras_active,
        "cameras_total": summary.cameras_total,
        "camera_locations_published": city.publish_camera_locations,
        "cameras": cameras,
        "reads_last_30_days": summary.reads_last_30_days,
        "hits_last_30_days": {
            "confirmed": hit_counts.get(HitStatus.CONFIRMED, 0),
            "rejected": hit_counts.get(HitStatus.REJECTED, 0),
            "not_verified": hit_counts.get(HitStatus.NEW, 0),
        },
        "hotlist_sources": summary.hotlist_sources,
        "agencies_with_access": agreements,
        "revoked_agencies": [
            {
                "agency": r.agency,
                "revoked_on": r.decided_on.isoformat(),
                "grounds": r.grounds,
                "permanent": r.permanent,
            }
            for r in summary.revocations
        ],
        "searches_last_30_days": [
            {
                "agency": t.agency,
                "offense_type": offense_label(t.offense_type)
                if t.offense_type != "(none given)"
                else "none given",
                "outcome": outcome_label(t.outcome),
                "count": t.count,
            }
            for t in summary.searches_last_30_days
        ],
        "searches_by_month": [{"month": m, **counts} for m, counts in sorted(by_month.items())],
        "activity": activity,
        "audit_checkpoints": checkpoints,
        "signed_reviews": reviews,
    }


def _signed_reviews(city: City) -> list[dict[str, str]]:
    """The city's signed monthly reviews, latest first: the month reviewed and the day it was signed."""
    with city_scope(city):
        reviews = Review.objects.filter(signed_at__isnull=False).order_by("-signed_at")[:24]
        return [
            {"period": review.month.isoformat(), "signed_on": review.signed_at.date().isoformat()}
            for review in reviews
            if review.signed_at is not None
        ]


# --- invalidation -----------------------------------------------------------------------------------------

WATCHED = [
    "portal.City",
    "cameras.Camera",
    "cameras.Hit",
    "cameras.Hotlist",
    "sharing.SharingAgreement",
    "sharing.RevocationCase",
    "sharing.CityPolicy",
    "sharing.Search",
]


def _changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    invalidate_public_report(instance.pk if sender is City else getattr(instance, "city_id", None))


def connect_invalidation() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"public-report-{label}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"public-report-{label}-delete")
    through = apps.get_model("sharing.SharingAgreement").cameras.through
    m2m_changed.connect(
        lambda sender, instance, **kw: _changed(type(instance), instance),
        sender=through,
        dispatch_uid="public-report-agreement-cameras",
        weak=False,
    )
