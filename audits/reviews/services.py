"""The monthly compliance review: asked for, claimed, run, marked, signed.

Exactly once per city and month:
- ``review_request`` gets or creates the one ``Review`` row for ``(city, month)`` (a unique key, so
  two beats or two chiefs asking at once get the same row);
- ``review_claim`` takes it with a conditional UPDATE: only a queued review, or a running one whose
  lease has run out (its worker died), can be claimed, and only by one caller;
- ``review_run`` computes every detector, then writes all findings and the ``done`` status in one
  transaction that commits only while the claim is still its own. A run killed midway has written
  nothing but its claim; once the lease runs out the sweep (or the redelivered task) runs it again.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import zoneinfo
from collections import Counter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from audits.events import EventType
from audits.models import AuditEvent, Outcome
from audits.reviews import detectors
from audits.reviews.models import (
    Finding,
    FindingStatus,
    Review,
    ReviewStatus,
)
from audits.services import audit_record
from portal.models import City, User
from portal.roles import Role
from portal.tenancy import city_scope
from portal.validation import EARLIEST, RANGE_MESSAGE
from sharing.models import RevocationGrounds, Search

LEASE = dt.timedelta(minutes=15)
STALE_QUEUED = dt.timedelta(minutes=10)
REQUESTERS = (Role.CHIEF, Role.AUDITOR)
MARKERS = (Role.CLERK, Role.AUDITOR, Role.CHIEF)
SIGNERS = (Role.CHIEF,)
CASE_OPENERS = (Role.CLERK, Role.AUDITOR)


def month_of(value: dt.date) -> dt.date:
    return value.replace(day=1)


def previous_month(city: City, now: dt.datetime | None = None) -> dt.date:
    today = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(city.time_zone)).date()
    return month_of(month_of(today) - dt.timedelta(days=1))


def _run_later(review_id: int) -> None:
    """Queue ``audits.tasks.review_run``. The task module imports this one, so it is loaded here at
    call time by name (the worker has it registered; a web process may not have loaded it yet)."""
    import importlib

    importlib.import_module("audits.tasks").review_run.delay(review_id)


def _enqueue(review: Review) -> None:
    transaction.on_commit(lambda: _run_later(review.pk))


def review_request(
    *, city: City, month: dt.date, by: User | None = None, request: HttpRequest | None = None
) -> Review:
    """The review of ``city`` for ``month``: created and queued the first time, the same row after.

    ``by`` (a chief or auditor) may ask for any past month from 2000 on; the current and future
    months are refused, and so is a month before ``portal.validation.EARLIEST`` (``0001-01`` was
    accepted and its run raised ``OverflowError``, leaving a review that never completes). A failed review is queued again; a queued, running, done or signed one is returned as it is.
    """
    month = month_of(month)
    if by is not None and not by.has_city_role(city, *REQUESTERS):
        raise PermissionDenied("The chief and auditors ask for reviews.")
    if month >= month_of(timezone.now().astimezone(zoneinfo.ZoneInfo(city.time_zone)).date()):
        raise ValidationError({"month": "Only a month that has ended can be reviewed."})
    if month < EARLIEST.date():
        raise ValidationError({"month": RANGE_MESSAGE})
    with city_scope(city):
        try:
            with transaction.atomic():
                review = Review.objects.create(city=city, month=month, requested_by=by)
                audit_record(
                    event_type=EventType.REVIEW_REQUESTED,
                    city=city,
                    actor=by,
                    target_type="review",
                    target_id=str(review.public_id),
                    details={"month": month.isoformat(), "by": "beat" if by is None else "person"},
                    request=request,
                )
                _enqueue(review)
                return review
        except IntegrityError:
            review = Review.objects.get(city=city, month=month)
        if review.status == ReviewStatus.FAILED:
            with transaction.atomic():
                if Review.objects.filter(pk=review.pk, status=ReviewStatus.FAILED).update(
                    status=ReviewStatus.QUEUED, failure="", progress=0, progress_label=""
                ):
                    _enqueue(review)
            review.refresh_from_db()
    return review


def review_claim(*, review_id: int, now: dt.datetime | None = None) -> uuid.UUID | None:
    """Claim the review for one run; None when it is done, signed, or held by a live run."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimable = Q(status=ReviewStatus.QUEUED) | Q(status=ReviewStatus.RUNNING, lease_expires_at__lt=now)
    claimed = Review.all_cities.filter(claimable, pk=review_id).update(
        status=ReviewStatus.RUNNING,
        claim_token=token,
        lease_expires_at=now + LEASE,
        started_at=now,
        attempts=F("attempts") + 1,
        progress=0,
        progress_label="Starting",
    )
    return token if claimed else None


def _progress(review_id: int, token: uuid.UUID, percent: int, label: str) -> None:
    Review.all_cities.filter(pk=review_id, claim_token=token).update(
        progress=percent, progress_label=label[:120], lease_expires_at=timezone.now() + LEASE
    )


def review_compute(
    *, city: City, month: dt.date, now: dt.datetime | None = None, on_progress=None
) -> list[detectors.FindingDraft]:
    """Run every detector over ``city``'s ``month`` (no writes)."""
    window = detectors.ReviewMonth.of(city, month, now or timezone.now())
    drafts: list[detectors.FindingDraft] = []
    with city_scope(city):
        for index, (label, detector) in enumerate(detectors.DETECTORS):
            if on_progress:
                on_progress(int(100 * index / len(detectors.DETECTORS)), label)
            drafts += detector(window)
    return drafts


def _summary(window: detectors.ReviewMonth, drafts: list[detectors.FindingDraft], seconds: float) -> dict:
    searches = window.searches()
    outcomes = Counter(dict((row["outcome"], row["n"]) for row in _count_by(searches, "outcome")))
    by_agency = {row["agency_name"] or "(none)": row["n"] for row in _count_by(searches, "agency_name")}
    return {
        "searches": sum(outcomes.values()),
        "searches_by_outcome": dict(outcomes),
        "searches_by_agency": dict(sorted(by_agency.items(), key=lambda kv: -kv[1])[:20]),
        "audit_events": AuditEvent.objects.filter(
            city=window.city, occurred_at__gte=window.start, occurred_at__lt=window.end
        ).count(),
        "findings": len(drafts),
        "findings_by_severity": dict(Counter(d.severity for d in drafts)),
        "findings_by_door": dict(Counter(d.door for d in drafts)),
        "findings_by_kind": dict(Counter(d.kind for d in drafts)),
        "seconds": round(seconds, 2),
    }


def _count_by(queryset, field: str):
    from django.db.models import Count

    return queryset.values(field).annotate(n=Count("pk")).order_by()


def _evidence_events_for(
    city: City, window: detectors.ReviewMonth, search_ids: set[int]
) -> dict[int, list[int]]:
    """Audit entries recording each search (search pk -> audit event pks)."""
    if not search_ids:
        return {}
    by_public: dict[str, int] = {}
    ids = sorted(search_ids)
    for start in range(0, len(ids), 5000):
        for pk, public_id in Search.objects.filter(pk__in=ids[start : start + 5000]).values_list(
            "pk", "public_id"
        ):
            by_public[str(public_id)] = pk
    out: dict[int, list[int]] = {}
    public_ids = list(by_public)
    for start in range(0, len(public_ids), 5000):
        rows = AuditEvent.objects.filter(
            city=city,
            target_type="search",
            target_id__in=public_ids[start : start + 5000],
        ).values_list("pk", "target_id")
        for event_pk, target in rows:
            out.setdefault(by_public[target], []).append(event_pk)
    return out


def review_run(*, review_id: int) -> Review | None:
    """Claim and run one review; None when another run holds it or it is already finished."""
    token = review_claim(review_id=review_id)
    if token is None:
        return None
    review = Review.all_cities.select_related("city").get(pk=review_id)
    city = review.city
    started = time.monotonic()
    now = timezone.now()
    try:
        drafts = review_compute(
            city=city,
            month=review.month,
            now=now,
            on_progress=lambda percent, label: _progress(review_id, token, percent, label),
        )
    except Exception as error:
        Review.all_cities.filter(pk=review_id, claim_token=token).update(
            status=ReviewStatus.FAILED, failure=f"{type(error).__name__}: {error}"[:500], claim_token=None
        )
        raise
    _progress(review_id, token, 95, "Writing findings")
    window = detectors.ReviewMonth.of(city, review.month, now)
    with city_scope(city), transaction.atomic():
        # Still ours? (Locks the row: a second run that claimed after our lease ran out waits, then loses.)
        locked = Review.objects.select_for_update().filter(pk=review_id, claim_token=token).first()
        if locked is None or locked.status != ReviewStatus.RUNNING:
            return None
        events_by_search = _evidence_events_for(city, window, {pk for d in drafts for pk in d.search_ids})
        findings = Finding.objects.bulk_create(
            [
                Finding(
                    city=city,
                    review=locked,
                    kind=d.kind,
                    door=d.door,
                    severity=d.severity,
                    agency_id=d.agency_id,
                    user_id=d.user_id,
                    title=d.title[:200],
                    detail=d.detail,
                    occurred_at=d.occurred_at,
                    facts=d.facts,
                )
                for d in drafts
            ],
            batch_size=1000,
        )
        search_links, event_links = [], []
        SearchLink = Finding.evidence_searches.through
        EventLink = Finding.evidence_events.through
        for finding, draft in zip(findings, drafts, strict=True):
            search_links += [
                SearchLink(finding_id=finding.pk, search_id=pk) for pk in dict.fromkeys(draft.search_ids)
            ]
            event_ids = list(draft.event_ids)
            for pk in draft.search_ids:
                event_ids += events_by_search.get(pk, [])
            event_links += [
                EventLink(finding_id=finding.pk, auditevent_id=pk) for pk in dict.fromkeys(event_ids)
            ]
        SearchLink.objects.bulk_create(search_links, batch_size=5000)
        EventLink.objects.bulk_create(event_links, batch_size=5000)
        locked.summary = _summary(window, drafts, time.monotonic() - started)
        locked.status = ReviewStatus.DONE
        locked.progress = 100
        locked.progress_label = "Done"
        locked.finished_at = timezone.now()
        locked.claim_token = None
        locked.save()
        audit_record(
            event_type=EventType.REVIEW_COMPLETED,
            city=city,
            target_type="review",
            target_id=str(locked.public_id),
            details={
                "month": review.month.isoformat(),
                "findings": len(drafts),
                "by_severity": locked.summary["findings_by_severity"],
            },
        )
    from audits.checkpoints import checkpoint_sign

    checkpoint_sign(city=city, reason="review")
    return locked


def review_schedule_due(*, now: dt.datetime | None = None) -> list[Review]:
    """Every city's review of its previous month exists and is queued (the beat on the 1st, and the
    hourly sweep that catches a missed beat). Safe to run any number of times."""
    reviews = []
    for city in City.objects.order_by("slug"):
        reviews.append(review_request(city=city, month=previous_month(city, now)))
    return reviews


def review_requeue_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the reviews a dead worker left behind (queued too long, or a lease run out)."""
    now = now or timezone.now()
    stale = Review.all_cities.filter(
        Q(status=ReviewStatus.QUEUED, created_at__lt=now - STALE_QUEUED)
        | Q(status=ReviewStatus.RUNNING, lease_expires_at__lt=now)
    ).values_list("pk", flat=True)
    ids = list(stale)
    for pk in ids:
        _run_later(pk)
    return ids


# --- people's actions on a finished review --------------------------------------------------------


def finding_mark_reviewed(
    *, finding: Finding, by: User, note: str, request: HttpRequest | None = None
) -> Finding:
    """A clerk, auditor or the chief marks a finding reviewed with a note (not on a signed review)."""
    city = finding.city
    if not by.has_city_role(city, *MARKERS):
        raise PermissionDenied("Clerks, auditors and the chief mark findings reviewed.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what you checked."})
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2,000 characters."})
    with city_scope(city), transaction.atomic():
        fresh = Finding.objects.select_for_update().select_related("review").get(pk=finding.pk)
        if fresh.review.status != ReviewStatus.DONE:
            raise ValidationError(
                {"note": "This review is signed or not finished; its findings cannot change."}
            )
        fresh.status = FindingStatus.REVIEWED
        fresh.note = note
        fresh.reviewed_by = by
        fresh.reviewed_at = timezone.now()
        fresh.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
        audit_record(
            event_type=EventType.REVIEW_FINDING_REVIEWED,
            city=city,
            actor=by,
            target_type="finding",
            target_id=str(fresh.public_id),
            details={"review": str(fresh.review.public_id), "kind": fresh.kind, "note": note},
            request=request,
        )
    return fresh


def review_sign(*, review: Review, by: User, request: HttpRequest | None = None) -> Review:
    """The chief signs a finished review once every finding is marked reviewed."""
    city = review.city
    if not by.has_city_role(city, *SIGNERS):
        raise PermissionDenied("Only the chief signs a review.")
    with city_scope(city), transaction.atomic():
        fresh = Review.objects.select_for_update().get(pk=review.pk)
        if fresh.status != ReviewStatus.DONE:
            raise ValidationError(
                {"review": f"This review is {fresh.get_status_display().lower()}; it cannot be signed."}
            )
        open_count = fresh.findings.filter(status=FindingStatus.OPEN).count()
        if open_count:
            raise ValidationError({"review": f"{open_count} finding(s) are not marked reviewed yet."})
        fresh.status = ReviewStatus.SIGNED
        fresh.signed_by = by
        fresh.signed_at = timezone.now()
        fresh.save(update_fields=["status", "signed_by", "signed_at"])
        audit_record(
            event_type=EventType.REVIEW_SIGNED,
            city=city,
            actor=by,
            target_type="review",
            target_id=str(fresh.public_id),
            details={"month": fresh.month.isoformat(), "findings": fresh.findings.count()},
            outcome=Outcome.SUCCESS,
            request=request,
        )
    return fresh


IMMIGRATION_KINDS = frozenset({"side.after_refusal", "side.after_federal_hotlist", "side.operation_cluster"})


def finding_open_revocation(
    *, finding: Finding, by: User, summary: str = "", grounds: str = "", request=None
):
    """Open a revocation case against the finding's agency with the finding's evidence attached."""
    from sharing.services.revocations import revocation_open

    city = finding.city
    if not by.has_city_role(city, *CASE_OPENERS):
        raise PermissionDenied("Clerks and auditors open revocation cases.")
    if finding.agency_id is None or finding.agency_id == city.own_agency_id:
        raise ValidationError({"finding": "This finding names no partner agency to open a case against."})
    if finding.revocation_case_id is not None:
        raise ValidationError({"finding": "A case is already open for this finding."})
    if not grounds:
        prohibited = finding.facts.get("rule", "")
        if finding.kind in IMMIGRATION_KINDS or prohibited.endswith("immigration"):
            grounds = RevocationGrounds.IMMIGRATION_ENFORCEMENT
        elif finding.door == "back":
            grounds = RevocationGrounds.OUT_OF_SCOPE
        elif prohibited:
            grounds = RevocationGrounds.PROHIBITED_PURPOSE
        else:
            grounds = RevocationGrounds.OTHER
    unit_ids = {a.pk for a in _agency_and_units(finding.agency)}
    with city_scope(city), transaction.atomic():
        events = [e for e in finding.evidence_events.all() if e.agency_id in unit_ids]
        searches = [s for s in finding.evidence_searches.all() if s.agency_id in unit_ids]
        case = revocation_open(
            city=city,
            agency=finding.agency,
            grounds=grounds,
            by=by,
            summary=summary.strip()
            or f"Compliance review {finding.review.reference}: {finding.title}. {finding.detail}".strip(),
            evidence_events=events,
            evidence_searches=searches,
            request=request,
        )
        Finding.objects.filter(pk=finding.pk).update(revocation_case=case)
    return case


def _agency_and_units(agency):
    from portal.models import Agency

    seen, frontier = {agency.pk: agency}, [agency]
    while frontier:
        children = list(Agency.objects.filter(parent__in=frontier).exclude(pk__in=seen))
        for child in children:
            seen[child.pk] = child
        frontier = children
    return list(seen.values())


def operation_record(
    *,
    city: City,
    by: User,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    cameras=(),
    notes: str = "",
    request: HttpRequest | None = None,
):
    """A chief or clerk enters a known federal operation (days and, optionally, cameras)."""
    from audits.reviews.models import FederalOperation

    if not by.has_city_role(city, Role.CHIEF, Role.CLERK):
        raise PermissionDenied("The chief and clerks enter operations.")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The operation ends on or after the day it starts."})
    with city_scope(city), transaction.atomic():
        operation = FederalOperation.objects.create(
            city=city, name=name.strip(), starts_on=starts_on, ends_on=ends_on, notes=notes, entered_by=by
        )
        operation.cameras.set(list(cameras))
        audit_record(
            event_type=EventType.REVIEW_OPERATION_RECORDED,
            city=city,
            actor=by,
            target_type="operation",
            target_id=str(operation.public_id),
            details={
                "name": operation.name,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "cameras": [str(c.public_id) for c in cameras],
            },
            request=request,
        )
    return operation
