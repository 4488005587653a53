"""The annual report of a city's licence plate readers, from the same data the reviews read.

The fields the state ALPR laws ask a city to publish (Washington's annual report, Arkansas's
counts, the ACLU's yearly reporting): cameras, reads, retention, searches by agency and purpose,
refusals, hits and their outcome, sharing and revocations, and the year's compliance reviews.
Counts and agency names only: never a plate or an officer's name.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from audits.reviews.models import Review, ReviewStatus
from cameras.models import Camera, CameraStatus, Hit, Read, RetentionPurge
from portal.models import City
from portal.tenancy import city_scope
from sharing.models import RevocationCase, Search
from sharing.selectors import agreements_approved_in_force


@dataclass
class AnnualReport:
    city: City
    year: int
    cameras_total: int = 0
    cameras_active: int = 0
    cameras_added: int = 0
    cameras_retired: int = 0
    reads: int = 0
    reads_still_kept: int = 0
    reads_deleted_by_retention: int = 0
    retention_days: int = 0
    searches_total: int = 0
    searches_refused: int = 0
    searches_by_agency: list[tuple[str, int, int]] = field(default_factory=list)
    searches_by_purpose: list[tuple[str, int, int]] = field(default_factory=list)
    refusals_by_rule: list[tuple[str, int]] = field(default_factory=list)
    hits_total: int = 0
    hits_by_outcome: list[tuple[str, int]] = field(default_factory=list)
    agreements: list[tuple[str, str, str, str]] = field(default_factory=list)
    revocations: list[tuple[str, str, str, str]] = field(default_factory=list)
    reviews: list[tuple[str, str, int]] = field(default_factory=list)

    def fact_rows(self) -> list[tuple[str, object]]:
        return [
            ("Cameras at the end of the year", f"{self.cameras_active} in service of {self.cameras_total}"),
            ("Cameras added / retired", f"{self.cameras_added} / {self.cameras_retired}"),
            ("Plates read in the year", self.reads),
            ("  deleted by the retention rule", self.reads_deleted_by_retention),
            ("  still kept (within retention or held as evidence)", self.reads_still_kept),
            ("Reads kept for", f"{self.retention_days} days unless held as evidence"),
            ("Searches", f"{self.searches_total}, of which {self.searches_refused} refused"),
            ("Hotlist hits", self.hits_total),
        ]

    def tables(self) -> list[tuple[str, list[str], list[list[object]]]]:
        return [
            (
                "Searches by agency",
                ["Agency", "Allowed", "Refused"],
                [list(r) for r in self.searches_by_agency],
            ),
            (
                "Searches by purpose (offense type)",
                ["Offense type", "Allowed", "Refused"],
                [list(r) for r in self.searches_by_purpose],
            ),
            ("Refusals by rule", ["Rule", "Searches"], [list(r) for r in self.refusals_by_rule]),
            ("Hits and their outcome", ["Outcome", "Hits"], [list(r) for r in self.hits_by_outcome]),
            (
                "Sharing agreements in effect during the year",
                ["Agency", "From", "To", "State now"],
                [list(r) for r in self.agreements],
            ),
            (
                "Revocation cases",
                ["Agency", "Grounds", "Opened", "Outcome"],
                [list(r) for r in self.revocations],
            ),
            (
                "Monthly compliance reviews signed",
                ["Review", "Signed", "Findings"],
                [list(r) for r in self.reviews],
            ),
        ]


def annual_report(*, city: City, year: int) -> AnnualReport:
    zone = zoneinfo.ZoneInfo(city.time_zone)
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    report = AnnualReport(city=city, year=year, retention_days=city.retention_days)
    with city_scope(city):
        cameras = Camera.objects.filter(created_at__lt=end)
        report.cameras_total = cameras.count()
        report.cameras_active = cameras.filter(status=CameraStatus.ACTIVE).count()
        report.cameras_added = cameras.filter(created_at__gte=start).count()
        report.cameras_retired = cameras.filter(status=CameraStatus.RETIRED).count()
        report.reads_still_kept = Read.objects.filter(captured_at__gte=start, captured_at__lt=end).count()
        report.reads_deleted_by_retention = (
            RetentionPurge.objects.filter(newest_deleted__gte=start, oldest_deleted__lt=end).aggregate(
                n=Sum("reads_deleted")
            )["n"]
            or 0
        )
        report.reads = report.reads_still_kept + report.reads_deleted_by_retention
        searches = Search.objects.filter(searched_at__gte=start, searched_at__lt=end)
        report.searches_total = searches.count()
        report.searches_refused = searches.filter(outcome="denied").count()
        allowed, denied = Count("pk", filter=Q(outcome="allowed")), Count("pk", filter=Q(outcome="denied"))
        report.searches_by_agency = [
            (r["agency_name"] or f"{city.name} (own department)", r["a"], r["d"])
            for r in searches.values("agency_name")
            .annotate(a=allowed, d=denied)
            .order_by("-a", "agency_name")
        ]
        report.searches_by_purpose = [
            (r["offense_type"] or "(none given)", r["a"], r["d"])
            for r in searches.values("offense_type")
            .annotate(a=allowed, d=denied)
            .order_by("-a", "offense_type")
        ]
        report.refusals_by_rule = [
            (r["rule"], r["n"])
            for r in searches.filter(outcome="denied")
            .values("rule")
            .annotate(n=Count("pk"))
            .order_by("-n", "rule")
        ]
        hits = Hit.objects.filter(created_at__gte=start, created_at__lt=end)
        report.hits_total = hits.count()
        labels = {
            "new": "Never verified",
            "confirmed": "Confirmed by a person",
            "rejected": "Did not hold up",
        }
        report.hits_by_outcome = [
            (
                labels.get(r["status"], r["status"]) + (f" ({r['disposition']})" if r["disposition"] else ""),
                r["n"],
            )
            for r in hits.values("status", "disposition")
            .annotate(n=Count("pk"))
            .order_by("status", "disposition")
        ]
        report.agreements = [
            (a.partner_agency.name, a.starts_on.isoformat(), a.ends_on.isoformat(), a.get_state_display())
            for a in agreements_approved_in_force(city=city, start=start.date(), end=end.date())
        ]
        report.revocations = [
            (c.agency.name, c.get_grounds_display(), f"{c.opened_at:%Y-%m-%d}", c.get_state_display())
            for c in RevocationCase.objects.filter(opened_at__gte=start, opened_at__lt=end)
            .select_related("agency")
            .order_by("opened_at")
        ]
        report.reviews = [
            (r.reference, f"{r.signed_at:%Y-%m-%d}", r.n)
            for r in Review.objects.filter(
                status=ReviewStatus.SIGNED, month__gte=start.date(), month__lt=end.date()
            )
            .annotate(n=Count("findings"))
            .order_by("month")
        ]
    return report
