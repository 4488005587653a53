"""The public transparency summary of a city. It gathers every app (cameras, sharing, audits), so it
sits above them, with the views and URLs of ``portal``; no app below imports it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from audits.models import AuditEvent
from cameras.models import Camera, CameraStatus, Hit, HitStatus, Hotlist, Read
from portal.models import City
from portal.tenancy import city_scope
from sharing.models import AgreementState, RevocationCase, RevocationState, Search, SharingAgreement


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
        agencies = sorted(
            set(
                SharingAgreement.objects.filter(state=AgreementState.ACTIVE).values_list(
                    "partner_agency__name", flat=True
                )
            )
        )
        revocations = [
            PublicRevocation(
                agency=case.agency.name,
                decided_on=case.decided_at.date(),
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
