"""Reads of reviews and findings: one city's, fetched the same way for missing and not-yours."""

from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from audits.models import AuditEvent
from audits.reviews.models import Door, Finding, FindingStatus, Review, ReviewStatus, Severity
from portal.models import City
from sharing.models import Search


def get_review_for_city(*, city: City, public_id: uuid.UUID | str) -> Review:
    review = Review.objects.filter(city=city, public_id=public_id).select_related("signed_by").first()
    if review is None:
        raise Http404("No such review.")
    return review


def get_finding_for_city(*, city: City, review: Review, public_id: uuid.UUID | str) -> Finding:
    finding = (
        Finding.objects.filter(city=city, review=review, public_id=public_id)
        .select_related("review", "agency")
        .first()
    )
    if finding is None:
        raise Http404("No such finding.")
    return finding


def reviews_of_city(*, city: City) -> QuerySet[Review]:
    return Review.objects.filter(city=city).annotate(finding_count=Count("findings")).order_by("-month")


def findings_of_review(
    *,
    review: Review,
    door: str = "",
    severity: str = "",
    status: str = "",
    kind: str = "",
    evidence: bool = True,
) -> QuerySet[Finding]:
    findings = Finding.objects.filter(city=review.city, review=review).select_related(
        "agency", "user", "reviewed_by", "revocation_case"
    )
    if door in Door.values:
        findings = findings.filter(door=door)
    if severity in Severity.values:
        findings = findings.filter(severity=severity)
    if status in FindingStatus.values:
        findings = findings.filter(status=status)
    if kind:
        findings = findings.filter(kind=kind)
    if evidence:
        findings = findings.prefetch_related(
            Prefetch("evidence_searches", queryset=Search.objects.order_by("searched_at")),
            Prefetch("evidence_events", queryset=AuditEvent.objects.order_by("sequence")),
        )
    return findings.order_by("door", "severity", "occurred_at", "id")


def kinds_of_review(*, review: Review) -> list[str]:
    return list(
        Finding.objects.filter(city=review.city, review=review)
        .values_list("kind", flat=True)
        .distinct()
        .order_by("kind")
    )


def signed_reviews_public(*, city: City) -> list[dict]:
    """What the public sees of the reviews: month, when signed, how many findings by severity."""
    rows = (
        Review.all_cities.filter(city=city, status=ReviewStatus.SIGNED)
        .annotate(
            findings_total=Count("findings"),
            findings_high=Count("findings", filter=Q(findings__severity=Severity.HIGH)),
        )
        .order_by("-month")
    )
    return [
        {
            "reference": r.reference,
            "month": r.month,
            "signed_on": r.signed_at,
            "findings": r.findings_total,
            "high": r.findings_high,
        }
        for r in rows
    ]
