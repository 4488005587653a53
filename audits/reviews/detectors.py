"""Detectors of the monthly compliance review: each a function over one city-month.

Each detector asks the database for aggregates first (counts per user, agency, plate, day or
hour) and loads individual searches only for the groups that cross its threshold, so a month of a
million audit entries and 200,000 searches is read a few times in SQL, not walked in Python. Each
returns ``FindingDraft`` objects; ``audits.reviews.services`` writes them with their evidence.

The thresholds are named constants below, so a reader (and the tests' near-misses) can see where
each line is drawn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db.models import Count, F, Min, Q
from django.db.models.functions import ExtractHour, TruncDate

from audits.models import AuditEvent
from audits.reviews.models import Door, FederalOperation, ReasonSignal, Severity
from cameras.models import Hit, HitStatus, HotlistEntry, HotlistSource
from portal.models import Agency, AgencyKind, City
from sharing.models import AgreementState, Search
from sharing.policy import text as policy_text
from sharing.selectors import agreements_by_pk, agreements_past_their_end, agreements_with_agencies

ALLOWED = "allowed"
DENIED = "denied"
HELD = "held"  # the policy engine's hold-for-a-supervisor outcome, once it has one

# Thresholds (each detector's line; the tests plant patterns just over and just under them).
REPEATED_REFUSALS_PER_USER = 3
REPEATED_REFUSALS_PER_AGENCY = 5
SIDE_DOOR_WINDOW = dt.timedelta(hours=72)
MULTI_AGENCY_WINDOW = dt.timedelta(hours=24)
MULTI_AGENCY_MIN = 3
OPERATION_MIN_SEARCHES = 5
OPERATION_RATE_RATIO = 3.0
VOLUME_BASELINE_MONTHS = 3
VOLUME_JUMP_RATIO = 3.0
VOLUME_JUMP_MIN_EXTRA = 20
MANY_PLATES_MIN = 25
MANY_PLATES_PER_CASE = 10  # a case number's plates counted towards MANY_PLATES_MIN
REPEATED_PLATE_MIN_SEARCHES = 5
REPEATED_PLATE_MIN_DAYS = 3
OFF_HOURS_BASELINE_DAYS = 90
OFF_HOURS_MIN_BASELINE = 20
OFF_HOURS_USUAL_SHARE = 0.05
OFF_HOURS_MIN_DISTANCE = 3
UNVERIFIED_HIT_GRACE = dt.timedelta(hours=24)
EVIDENCE_CAP = 500  # searches attached to one finding (the facts keep the full count)

SUSPECT_RULES = (
    "agency.immigration_enforcement",
    "agency.participates_287g",
    "agency.federal_task_force",
    "agency.blocked",
)


@dataclass
class FindingDraft:
    kind: str
    door: str
    severity: str
    title: str
    detail: str = ""
    agency_id: int | None = None
    user_id: int | None = None
    occurred_at: dt.datetime | None = None
    search_ids: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewMonth:
    """One city's calendar month in its own time zone, as half-open UTC bounds."""

    city: City
    month: dt.date
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime

    @classmethod
    def of(cls, city: City, month: dt.date, now: dt.datetime) -> ReviewMonth:
        zone = zoneinfo.ZoneInfo(city.time_zone)
        first = month.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        start = dt.datetime.combine(first, dt.time(), zone)
        end = dt.datetime.combine(following, dt.time(), zone)
        return cls(city=city, month=first, start=start, end=end, now=now)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.city.time_zone)

    def searches(self):
        return Search.objects.filter(city=self.city, searched_at__gte=self.start, searched_at__lt=self.end)

    def partner_searches(self):
        """Searches by agencies other than the city's own department."""
        own = self.city.own_agency_id
        searches = self.searches().filter(agency__isnull=False)
        return searches.exclude(agency_id=own) if own else searches

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone)


def _ids(queryset, cap: int = EVIDENCE_CAP) -> list[int]:
    return list(queryset.order_by("searched_at").values_list("pk", flat=True)[:cap])


# ---------------------------------------------------------------------------------------------
# Front door
# ---------------------------------------------------------------------------------------------


def front_prohibited_purpose(m: ReviewMonth) -> list[FindingDraft]:
    """Every search refused for a prohibited purpose, one finding each."""
    drafts = []
    rows = (
        m.searches()
        .filter(outcome=DENIED, rule__startswith="prohibited_purpose.")
        .values("pk", "agency_id", "user_id", "rule", "searched_at", "agency_name")
        .order_by("searched_at")
    )
    for row in rows:
        immigration = row["rule"].endswith("immigration")
        drafts.append(
            FindingDraft(
                kind="front.prohibited_purpose",
                door=Door.FRONT,
                severity=Severity.HIGH if immigration else Severity.MEDIUM,
                title=f"Search refused for a prohibited purpose ({row['rule'].split('.', 1)[1]})",
                detail=f"{row['agency_name'] or 'The city'} asked for a search the policy forbids.",
                agency_id=row["agency_id"],
                user_id=row["user_id"],
                occurred_at=row["searched_at"],
                search_ids=[row["pk"]],
                facts={"rule": row["rule"]},
            )
        )
    return drafts


@lru_cache(maxsize=200_000)
def _near_line(reason: str) -> tuple[str, ...]:
    """Signals of a prohibited purpose the engine saw but did not act on (weak findings)."""
    analysis = policy_text.analyze(reason)
    signals = []
    for category in ("immigration", "reproductive", "first_amendment"):
        if getattr(analysis, category):
            signals.append(category)
    return tuple(signals)


def front_held_or_near_line(m: ReviewMonth) -> list[FindingDraft]:
    """Allowed (or held) searches whose reason carries a prohibited-purpose signal."""
    drafts = []
    held = m.searches().filter(outcome=HELD).values("pk", "agency_id", "user_id", "searched_at", "rule")
    for row in held:
        drafts.append(
            FindingDraft(
                kind="front.held",
                door=Door.FRONT,
                severity=Severity.MEDIUM,
                title="Search held for a supervisor",
                agency_id=row["agency_id"],
                user_id=row["user_id"],
                occurred_at=row["searched_at"],
                search_ids=[row["pk"]],
                facts={"rule": row["rule"]},
            )
        )
    reasons = m.searches().filter(outcome=ALLOWED).values_list("reason", flat=True).distinct()
    signals = text_signals(reasons.iterator())
    flagged = {reason: s.near_line for reason, s in signals.items() if s.near_line}
    if flagged:
        rows = (
            m.searches()
            .filter(outcome=ALLOWED, reason__in=list(flagged))
            .values("pk", "agency_id", "user_id", "searched_at", "reason")
            .order_by("searched_at")
        )
        for row in rows:
            drafts.append(
                FindingDraft(
                    kind="front.near_line",
                    door=Door.FRONT,
                    severity=Severity.MEDIUM,
                    title="Allowed search near the line: " + ", ".join(flagged[row["reason"]]),
                    detail="The policy engine saw a weak signal of a prohibited purpose and allowed it.",
                    agency_id=row["agency_id"],
                    user_id=row["user_id"],
                    occurred_at=row["searched_at"],
                    search_ids=[row["pk"]],
                    facts={"signals": list(flagged[row["reason"]])},
                )
            )
    return drafts


def front_repeated_refusals(m: ReviewMonth) -> list[FindingDraft]:
    drafts = []
    denied = m.searches().filter(outcome=DENIED)
    by_user = (
        denied.values("user_id", "agency_id")
        .annotate(n=Count("pk"), first=Min("searched_at"))
        .filter(n__gte=REPEATED_REFUSALS_PER_USER)
    )
    for row in by_user:
        drafts.append(
            FindingDraft(
                kind="front.repeated_refusals_user",
                door=Door.FRONT,
                severity=Severity.MEDIUM,
                title=f"{row['n']} refused searches by one user",
                agency_id=row["agency_id"],
                user_id=row["user_id"],
                occurred_at=row["first"],
                search_ids=_ids(denied.filter(user_id=row["user_id"])),
                facts={"refusals": row["n"]},
            )
        )
    own = m.city.own_agency_id
    by_agency = (
        denied.filter(agency__isnull=False)
        .exclude(agency_id=own)
        .values("agency_id")
        .annotate(n=Count("pk"), users=Count("user_id", distinct=True), first=Min("searched_at"))
        .filter(n__gte=REPEATED_REFUSALS_PER_AGENCY, users__gte=2)
    )
    for row in by_agency:
        drafts.append(
            FindingDraft(
                kind="front.repeated_refusals_agency",
                door=Door.FRONT,
                severity=Severity.MEDIUM,
                title=f"{row['n']} refused searches by {row['users']} users of one agency",
                agency_id=row["agency_id"],
                occurred_at=row["first"],
                search_ids=_ids(denied.filter(agency_id=row["agency_id"])),
                facts={"refusals": row["n"], "users": row["users"]},
            )
        )
    return drafts


# ---------------------------------------------------------------------------------------------
# Back door
# ---------------------------------------------------------------------------------------------


def back_without_agreement(m: ReviewMonth) -> list[FindingDraft]:
    """Allowed partner searches with no agreement in effect at that moment, or outside its scope."""
    drafts = []
    allowed = m.partner_searches().filter(outcome=ALLOWED)
    no_agreement = allowed.filter(
        Q(agreement__isnull=True)
        | ~Q(agreement__partner_agency_id=F("agency_id"))
        | Q(agreement__starts_on__gt=TruncDate("searched_at", tzinfo=m.zone))
        | Q(agreement__ends_on__lt=TruncDate("searched_at", tzinfo=m.zone))
        | Q(
            agreement__state__in=[AgreementState.REVOKED, AgreementState.SUSPENDED, AgreementState.EXPIRED],
            agreement__state_changed_at__lte=F("searched_at"),
        )
        | Q(agreement__state__in=[AgreementState.DRAFT, AgreementState.AWAITING_CHIEF])
    )
    flagged: set[int] = set()
    for row in no_agreement.values("pk", "agency_id", "user_id", "searched_at", "agreement_id"):
        flagged.add(row["pk"])
        drafts.append(
            FindingDraft(
                kind="back.no_agreement",
                door=Door.BACK,
                severity=Severity.HIGH,
                title="Partner search with no agreement in effect",
                detail="The search was answered although no sharing agreement covered the agency then.",
                agency_id=row["agency_id"],
                user_id=row["user_id"],
                occurred_at=row["searched_at"],
                search_ids=[row["pk"]],
                facts={"agreement": row["agreement_id"]},
            )
        )
    scoped = allowed.filter(agreement__isnull=False).exclude(pk__in=flagged)
    out_of_scope: dict[int, list[str]] = defaultdict(list)
    for pk in scoped.filter(partial=True, agreement__allow_partial_plate=False).values_list("pk", flat=True):
        out_of_scope[pk].append("partial plate not permitted")
    agreements = agreements_by_pk(city=m.city, pks=scoped.values("agreement_id").distinct())
    for agreement in agreements.annotate(camera_count=Count("cameras")):
        mine = scoped.filter(agreement=agreement)
        if agreement.permitted_offense_types:
            for pk in mine.exclude(offense_type__in=agreement.permitted_offense_types).values_list(
                "pk", flat=True
            ):
                out_of_scope[pk].append("offense type not in the agreement")
        if not agreement.all_cameras:
            for pk in mine.filter(cameras_reached__gt=agreement.camera_count).values_list("pk", flat=True):
                out_of_scope[pk].append("cameras outside the agreement")
    if out_of_scope:
        rows = scoped.filter(pk__in=list(out_of_scope)).values("pk", "agency_id", "user_id", "searched_at")
        for row in rows:
            drafts.append(
                FindingDraft(
                    kind="back.out_of_scope",
                    door=Door.BACK,
                    severity=Severity.HIGH,
                    title="Partner search outside its agreement's scope",
                    detail="; ".join(out_of_scope[row["pk"]]),
                    agency_id=row["agency_id"],
                    user_id=row["user_id"],
                    occurred_at=row["searched_at"],
                    search_ids=[row["pk"]],
                    facts={"why": out_of_scope[row["pk"]]},
                )
            )
    drafts += _back_reads_without_agreement(m)
    return drafts


def _back_reads_without_agreement(m: ReviewMonth) -> list[FindingDraft]:
    """Reads viewed or looked up (outside the search path) by an outside agency without an agreement."""
    own = m.city.own_agency_id
    events = (
        AuditEvent.objects.filter(city=m.city, occurred_at__gte=m.start, occurred_at__lt=m.end)
        .filter(
            Q(event_type__startswith="reads.")
            | Q(event_type__startswith="read.")
            | Q(event_type__contains="crop")
        )
        .filter(agency__isnull=False, outcome__in=["success", ALLOWED])
    )
    if own:
        events = events.exclude(agency_id=own)
    rows = list(events.values("pk", "agency_id", "actor_id", "occurred_at", "event_type"))
    if not rows:
        return []
    agreements = defaultdict(list)
    for agreement in agreements_with_agencies(city=m.city, agency_ids={r["agency_id"] for r in rows}):
        agreements[agreement.partner_agency_id].append(agreement)
    drafts = []
    for row in rows:
        day = m.local(row["occurred_at"]).date()
        covered = any(
            a.starts_on <= day <= a.ends_on
            and a.approved_at is not None
            and a.approved_at <= row["occurred_at"]
            and (
                a.state == AgreementState.ACTIVE
                or (a.state_changed_at is not None and a.state_changed_at > row["occurred_at"])
            )
            for a in agreements[row["agency_id"]]
        )
        if not covered:
            drafts.append(
                FindingDraft(
                    kind="back.read_without_agreement",
                    door=Door.BACK,
                    severity=Severity.HIGH,
                    title=f"Reads reached by an outside agency with no agreement ({row['event_type']})",
                    agency_id=row["agency_id"],
                    user_id=row["actor_id"],
                    occurred_at=row["occurred_at"],
                    event_ids=[row["pk"]],
                )
            )
    return drafts


# ---------------------------------------------------------------------------------------------
# Side door
# ---------------------------------------------------------------------------------------------


def _suspect_agency_ids() -> set[int]:
    return set(
        Agency.objects.filter(
            Q(immigration_enforcement=True) | Q(participates_287g=True) | Q(federal_task_force=True)
        ).values_list("pk", flat=True)
    )


def _followers(
    m: ReviewMonth, triggers: list[tuple[str, dt.datetime, int | None]]
) -> dict[tuple[str, dt.datetime, int | None], list[dict]]:
    """For each (plate, moment, trigger agency): allowed searches of that plate by another agency
    within ``SIDE_DOOR_WINDOW`` after the moment."""
    by_plate = defaultdict(list)
    for trigger in triggers:
        by_plate[trigger[0]].append(trigger)
    out = {}
    plates = list(by_plate)
    for chunk_start in range(0, len(plates), 2000):
        chunk = plates[chunk_start : chunk_start + 2000]
        rows = (
            m.searches()
            .filter(outcome=ALLOWED, partial=False, plate_query__in=chunk)
            .values("pk", "plate_query", "agency_id", "user_id", "searched_at")
            .order_by("searched_at")
        )
        for row in rows:
            for trigger in by_plate[row["plate_query"]]:
                plate, moment, agency_id = trigger
                if row["agency_id"] != agency_id and moment < row["searched_at"] <= moment + SIDE_DOOR_WINDOW:
                    out.setdefault(trigger, []).append(row)
    return out


def side_after_refusal(m: ReviewMonth) -> list[FindingDraft]:
    """A partner searches a plate shortly after an immigration, 287(g) or task-force agency was
    refused that plate."""
    suspects = _suspect_agency_ids()
    refused = Search.objects.filter(
        city=m.city,
        searched_at__gte=m.start - SIDE_DOOR_WINDOW,
        searched_at__lt=m.end,
        outcome=DENIED,
        partial=False,
    ).filter(Q(agency_id__in=suspects) | Q(rule__in=SUSPECT_RULES))
    refusals = {
        (r["plate_query"], r["searched_at"], r["agency_id"]): r
        for r in refused.values("pk", "plate_query", "searched_at", "agency_id", "agency_name")
    }
    drafts = []
    for trigger, rows in _followers(m, list(refusals)).items():
        refusal = refusals[trigger]
        for agency_id in {row["agency_id"] for row in rows}:
            theirs = [row for row in rows if row["agency_id"] == agency_id]
            drafts.append(
                FindingDraft(
                    kind="side.after_refusal",
                    door=Door.SIDE,
                    severity=Severity.HIGH,
                    title=f"Plate searched {len(theirs)} time(s) within 72 h after {refusal['agency_name']} was refused it",
                    detail="A partner searched the plate an immigration, 287(g) or task-force agency had just been refused.",
                    agency_id=agency_id,
                    user_id=theirs[0]["user_id"],
                    occurred_at=theirs[0]["searched_at"],
                    search_ids=[refusal["pk"], *(row["pk"] for row in theirs)],
                    facts={
                        "refused_agency": refusal["agency_id"],
                        "gap_minutes": _minutes(theirs[0]["searched_at"] - trigger[1]),
                    },
                )
            )
    return drafts


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def side_after_federal_hotlist(m: ReviewMonth) -> list[FindingDraft]:
    """A plate searched shortly after a hotlist entry from a federal source appeared for it."""
    entries = HotlistEntry.objects.filter(
        city=m.city, added_at__gte=m.start - SIDE_DOOR_WINDOW, added_at__lt=m.end
    ).filter(
        Q(hotlist__source=HotlistSource.NCIC_IMMIGRATION_VIOLATOR)
        | Q(added_by__agency__kind=AgencyKind.FEDERAL)
        | Q(added_by__agency__immigration_enforcement=True)
    )
    entry_rows = {
        (e["plate"], e["added_at"], None): e
        for e in entries.values("pk", "plate", "added_at", "hotlist__name")
    }
    drafts = []
    for trigger, rows in _followers(m, list(entry_rows)).items():
        entry = entry_rows[trigger]
        for agency_id in {row["agency_id"] for row in rows}:
            theirs = [row for row in rows if row["agency_id"] == agency_id]
            drafts.append(
                FindingDraft(
                    kind="side.after_federal_hotlist",
                    door=Door.SIDE,
                    severity=Severity.HIGH,
                    title=f"Plate searched within 72 h after a federal-source hotlist entry ({entry['hotlist__name']})",
                    agency_id=agency_id,
                    user_id=theirs[0]["user_id"],
                    occurred_at=theirs[0]["searched_at"],
                    search_ids=[row["pk"] for row in theirs],
                    facts={"hotlist_entry": entry["pk"]},
                )
            )
    return drafts


# "Assist", "on behalf of", "courtesy", "federal partner" and the same in the languages searchers
# use, over the engine's Latin view of the text (look-alikes folded, marks and leet undone), plus
# raw-script stems for scripts that have no Latin view.
_PROXY_PATTERNS = [
    r"\bassist(?:s|ed|ing|ance)?\b",
    r"\bon\s*behalf\s*of\b",
    r"\bo\s*/\s*b\s*/\s*o\b",
    r"\bcourtesy\b",
    r"\bfed(?:eral)?\.?\s*partners?\b",
    r"\bat\s+the\s+request\s+of\b",
    r"\b(?:requested|asked)\s+by\s+(?:ice|hsi|cbp|dhs|usbp|ero|federal|feds|border\s*patrol)\b",
    r"\bfor\s+(?:ice|hsi|cbp|dhs|usbp|ero|the\s+feds|border\s*patrol)\b",
    # Spanish, Portuguese, French, Italian, German.
    r"\ben\s+nombre\s+de\b",
    r"\bde\s+parte\s+de\b",
    r"\ba\s+(?:peticion|solicitud|pedido|demanda)\s+de\b",
    r"\bcortes[ií]a\b",
    r"\b(?:socio|companero|parceiro)s?\s+federa(?:l|is|les)\b",
    r"\basist(?:encia|iendo|ir)\b",
    r"\bapoyo\s+(?:a|al|para)\b",
    r"\bem\s+nome\s+de\b",
    r"\bpour\s+le\s+compte\s+de\b",
    r"\bau\s+nom\s+de\b",
    r"\ba\s+la\s+demande\s+de\b",
    r"\bcourtoisie\b",
    r"\bpartenaires?\s+federa(?:l|ux)\b",
    r"\bper\s+conto\s+di\b",
    r"\bim\s+auftrag\b",
    r"\bamtshilfe\b",
]
_PROXY_RE = re.compile("|".join(_PROXY_PATTERNS))
_PROXY_RAW = ("代表", "协助", "協助", "代理", "대신", "협조", "đại diện", "hỗ trợ", "от имени", "по просьбе")


@lru_cache(maxsize=200_000)
def proxy_wording(reason: str) -> str:
    """The proxy wording in ``reason`` ("" when none)."""
    if not reason:
        return ""
    latin = re.sub(r"[\s_\-]+", " ", policy_text.latin_view(reason).lower())
    # The engine's tokens undo leet and spelled-out letters ("ASS1ST1NG", "A.S.S.I.S.T").
    tokens = " ".join(token.low for token in policy_text.tokenize(reason))
    for view in (latin, tokens):
        match = _PROXY_RE.search(view)
        if match:
            return match.group(0)
    raw = policy_text.base_normalize(reason).casefold()
    return next((stem for stem in _PROXY_RAW if stem in raw), "")


def side_proxy_wording(m: ReviewMonth) -> list[FindingDraft]:
    """Allowed searches whose reason says they were made for someone else."""
    reasons = m.searches().filter(outcome=ALLOWED).values_list("reason", flat=True).distinct()
    signals = text_signals(reasons.iterator())
    flagged = {reason: s.proxy_wording for reason, s in signals.items() if s.proxy_wording}
    if not flagged:
        return []
    rows = (
        m.searches()
        .filter(outcome=ALLOWED, reason__in=list(flagged))
        .values("pk", "agency_id", "user_id", "searched_at", "reason")
        .order_by("searched_at")
    )

    def wording(group: list[dict]) -> list[str]:
        return sorted({flagged[row["reason"]] for row in group})

    return _per_searcher(
        rows,
        kind="side.proxy_wording",
        door=Door.SIDE,
        severity=Severity.MEDIUM,
        title="{n} search(es) worded as made for someone else",
        detail=lambda group: "Wording: " + ", ".join(wording(group)),
        facts=lambda group: {"wording": wording(group)},
    )


def side_multi_agency_plate(m: ReviewMonth) -> list[FindingDraft]:
    """One plate searched by several agencies within a short window."""
    plates = list(
        m.searches()
        .filter(partial=False, agency__isnull=False)
        .values("plate_query")
        .annotate(agencies=Count("agency_id", distinct=True))
        .filter(agencies__gte=MULTI_AGENCY_MIN)
        .values_list("plate_query", flat=True)
    )
    drafts = []
    for chunk_start in range(0, len(plates), 2000):
        rows = (
            m.searches()
            .filter(
                partial=False, agency__isnull=False, plate_query__in=plates[chunk_start : chunk_start + 2000]
            )
            .values("pk", "plate_query", "agency_id", "user_id", "searched_at")
            .order_by("plate_query", "searched_at")
        )
        by_plate = defaultdict(list)
        for row in rows:
            by_plate[row["plate_query"]].append(row)
        for plate_rows in by_plate.values():
            window = _densest_window(plate_rows)
            if window:
                drafts.append(
                    FindingDraft(
                        kind="side.multi_agency_plate",
                        door=Door.SIDE,
                        severity=Severity.MEDIUM,
                        title=f"One plate searched by {len({r['agency_id'] for r in window})} agencies within 24 h",
                        occurred_at=window[0]["searched_at"],
                        search_ids=[r["pk"] for r in window],
                        facts={"agencies": sorted({r["agency_id"] for r in window})},
                    )
                )
    return drafts


def _densest_window(rows: list[dict]) -> list[dict]:
    """The first run of searches within ``MULTI_AGENCY_WINDOW`` that spans enough agencies."""
    start = 0
    for end in range(len(rows)):
        while rows[end]["searched_at"] - rows[start]["searched_at"] > MULTI_AGENCY_WINDOW:
            start += 1
        window = rows[start : end + 1]
        if len({r["agency_id"] for r in window}) >= MULTI_AGENCY_MIN:
            # Extend to every search of the plate inside the same window.
            last = end
            while (
                last + 1 < len(rows)
                and rows[last + 1]["searched_at"] - rows[start]["searched_at"] <= MULTI_AGENCY_WINDOW
            ):
                last += 1
            return rows[start : last + 1]
    return []


def side_operation_clusters(m: ReviewMonth) -> list[FindingDraft]:
    """A partner whose searches cluster on the days (and places) of a known federal operation."""
    operations = list(
        FederalOperation.objects.filter(
            city=m.city, starts_on__lt=m.end.date() + dt.timedelta(days=1), ends_on__gte=m.start.date()
        ).prefetch_related("cameras")
    )
    drafts = []
    month_days = (m.end - m.start).days
    for operation in operations:
        first = max(operation.starts_on, m.month)
        last = min(operation.ends_on, (m.end - dt.timedelta(days=1)).date())
        if last < first:
            continue
        op_days = (last - first).days + 1
        other_days = max(month_days - op_days, 1)
        camera_ids = {str(c.public_id) for c in operation.cameras.all()} | {
            str(c.pk) for c in operation.cameras.all()
        }
        day = TruncDate("searched_at", tzinfo=m.zone)
        counts = m.partner_searches().annotate(day=day).values("agency_id", "day").annotate(n=Count("pk"))
        on_op = defaultdict(int)
        off_op = defaultdict(int)
        for row in counts:
            (on_op if first <= row["day"] <= last else off_op)[row["agency_id"]] += row["n"]
        for agency_id, n in on_op.items():
            on_rate = n / op_days
            off_rate = (off_op[agency_id] + 1) / other_days
            if n < OPERATION_MIN_SEARCHES or on_rate < OPERATION_RATE_RATIO * off_rate:
                continue
            searches = (
                m.partner_searches()
                .annotate(day=day)
                .filter(agency_id=agency_id, day__gte=first, day__lte=last)
            )
            rows = list(searches.values("pk", "user_id", "searched_at", "filters"))
            if camera_ids:
                rows = [
                    r
                    for r in rows
                    if not (r["filters"] or {}).get("camera_ids")
                    or camera_ids & set(map(str, (r["filters"] or {}).get("camera_ids", [])))
                ]
                if len(rows) < OPERATION_MIN_SEARCHES:
                    continue
            drafts.append(
                FindingDraft(
                    kind="side.operation_cluster",
                    door=Door.SIDE,
                    severity=Severity.HIGH,
                    title=f"Searches cluster on the days of {operation.name}",
                    detail=f"{n} searches in {op_days} operation day(s) against {off_op[agency_id]} in the other {other_days}.",
                    agency_id=agency_id,
                    occurred_at=rows[0]["searched_at"] if rows else None,
                    search_ids=[r["pk"] for r in rows][:EVIDENCE_CAP],
                    facts={
                        "operation": str(operation.public_id),
                        "on_days": n,
                        "other_days": off_op[agency_id],
                    },
                )
            )
    return drafts


def _month_shift(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def side_volume_jump(m: ReviewMonth) -> list[FindingDraft]:
    """An agency whose searches this month jump against its own monthly baseline."""
    baseline_start = ReviewMonth.of(m.city, _month_shift(m.month, -VOLUME_BASELINE_MONTHS), m.now).start
    counts = (
        Search.objects.filter(
            city=m.city, searched_at__gte=baseline_start, searched_at__lt=m.start, agency__isnull=False
        )
        .values("agency_id")
        .annotate(n=Count("pk"))
    )
    baseline = {row["agency_id"]: row["n"] / VOLUME_BASELINE_MONTHS for row in counts}
    drafts = []
    for row in (
        m.searches()
        .filter(agency__isnull=False)
        .values("agency_id")
        .annotate(n=Count("pk"), first=Min("searched_at"))
    ):
        base = baseline.get(row["agency_id"])
        if not base:
            continue
        if row["n"] >= VOLUME_JUMP_RATIO * base and row["n"] - base >= VOLUME_JUMP_MIN_EXTRA:
            drafts.append(
                FindingDraft(
                    kind="side.volume_jump",
                    door=Door.SIDE,
                    severity=Severity.MEDIUM,
                    title=f"Search volume {row['n'] / base:.1f} times the agency's baseline",
                    detail=f"{row['n']} searches this month against {base:.1f} a month over the previous {VOLUME_BASELINE_MONTHS}.",
                    agency_id=row["agency_id"],
                    occurred_at=row["first"],
                    facts={"month": row["n"], "baseline": round(base, 1)},
                )
            )
    return drafts


# ---------------------------------------------------------------------------------------------
# Insider misuse
# ---------------------------------------------------------------------------------------------

_PLACEHOLDER_WORDS = frozenset(
    "na n a none null nil tbd tba tbc unk unknown pending test testing x xx xxx asdf qwerty nocase "
    "notapplicable nocasenumber case casenumber number misc general sn sin numero ninguno".split()
)


@lru_cache(maxsize=200_000)
def is_placeholder_case_number(case_number: str) -> bool:
    """A case number that names no case: empty, a filler word, one repeated character, a run."""
    folded = policy_text.latin_view(case_number or "").lower()
    compact = re.sub(r"[^a-z0-9]", "", folded)
    if not compact:
        return True
    if compact in _PLACEHOLDER_WORDS or re.sub(r"[^a-z ]", " ", folded).split() == ["n", "a"]:
        return True
    if len(set(compact)) == 1:
        return True
    if compact.isdigit() and len(compact) >= 3 and (compact in "01234567890" or compact in "9876543210"):
        return True
    return compact.isdigit() and int(compact) == 0


def insider_many_plates(m: ReviewMonth) -> list[FindingDraft]:
    """One user searching many distinct plates under one case number, or under none that names a case.

    A case covers a handful of vehicles; dozens of plates under one number (or under "N/A") is a
    user browsing the data, whatever their overall volume.
    """
    allowed = m.searches().filter(outcome=ALLOWED, partial=False)
    groups: dict[tuple[int, str], dict] = {}
    rows = (
        allowed.values("user_id", "agency_id", "case_number")
        .annotate(plates=Count("plate_query", distinct=True), first=Min("searched_at"))
        .filter(plates__gte=MANY_PLATES_PER_CASE)
    )
    for row in rows:
        placeholder = is_placeholder_case_number(row["case_number"])
        key = (row["user_id"], "" if placeholder else row["case_number"])
        group = groups.setdefault(
            key, {"plates": 0, "cases": set(), "agency_id": row["agency_id"], "first": row["first"]}
        )
        group["plates"] += row["plates"]
        group["cases"].add(row["case_number"])
        group["first"] = min(group["first"], row["first"])
    drafts = []
    for (user_id, case_number), group in groups.items():
        if group["plates"] < MANY_PLATES_MIN:
            continue
        searches = allowed.filter(user_id=user_id, case_number__in=group["cases"])
        label = f"case {case_number}" if case_number else "no real case number"
        drafts.append(
            FindingDraft(
                kind="insider.many_plates",
                door=Door.INSIDER,
                severity=Severity.HIGH,
                title=f"{group['plates']} distinct plates under {label}",
                agency_id=group["agency_id"],
                user_id=user_id,
                occurred_at=group["first"],
                search_ids=_ids(searches),
                facts={"plates": group["plates"], "case_numbers": sorted(group["cases"])[:20]},
            )
        )
    return drafts


def insider_repeated_plate(m: ReviewMonth) -> list[FindingDraft]:
    """One plate searched again and again by the same user, on several days (the stalking pattern)."""
    day = TruncDate("searched_at", tzinfo=m.zone)
    rows = (
        m.searches()
        .filter(partial=False)
        .values("user_id", "agency_id", "plate_query")
        .annotate(n=Count("pk"), days=Count(day, distinct=True), first=Min("searched_at"))
        .filter(n__gte=REPEATED_PLATE_MIN_SEARCHES, days__gte=REPEATED_PLATE_MIN_DAYS)
    )
    return [
        FindingDraft(
            kind="insider.repeated_plate",
            door=Door.INSIDER,
            severity=Severity.HIGH,
            title=f"One plate searched {row['n']} times on {row['days']} days by the same user",
            agency_id=row["agency_id"],
            user_id=row["user_id"],
            occurred_at=row["first"],
            search_ids=_ids(
                m.searches().filter(user_id=row["user_id"], plate_query=row["plate_query"], partial=False)
            ),
            facts={"searches": row["n"], "days": row["days"]},
        )
        for row in rows
    ]


def _hour_distance(a: int, b: int) -> int:
    d = abs(a - b) % 24
    return min(d, 24 - d)


def insider_off_hours(m: ReviewMonth) -> list[FindingDraft]:
    """Searches far outside the hours the user usually searches in (their previous 90 days)."""
    hour = ExtractHour("searched_at", tzinfo=m.zone)
    baseline_rows = (
        Search.objects.filter(
            city=m.city,
            searched_at__gte=m.start - dt.timedelta(days=OFF_HOURS_BASELINE_DAYS),
            searched_at__lt=m.start,
        )
        .annotate(hour=hour)
        .values("user_id", "hour")
        .annotate(n=Count("pk"))
    )
    per_user: dict[int, dict[int, int]] = defaultdict(dict)
    for row in baseline_rows:
        per_user[row["user_id"]][row["hour"]] = row["n"]
    usual: dict[int, set[int]] = {}
    for user_id, hours in per_user.items():
        total = sum(hours.values())
        if total >= OFF_HOURS_MIN_BASELINE:
            usual[user_id] = {h for h, n in hours.items() if n / total >= OFF_HOURS_USUAL_SHARE}
    if not usual:
        return []
    month_rows = (
        m.searches()
        .filter(user_id__in=list(usual))
        .annotate(hour=hour)
        .values("user_id", "hour")
        .annotate(n=Count("pk"))
    )
    odd: dict[int, set[int]] = defaultdict(set)
    for row in month_rows:
        hours = usual[row["user_id"]]
        if hours and min(_hour_distance(row["hour"], h) for h in hours) >= OFF_HOURS_MIN_DISTANCE:
            odd[row["user_id"]].add(row["hour"])
    drafts = []
    for user_id, hours in odd.items():
        searches = m.searches().annotate(hour=hour).filter(user_id=user_id, hour__in=hours)
        rows = list(searches.values("pk", "agency_id", "searched_at").order_by("searched_at")[:EVIDENCE_CAP])
        drafts.append(
            FindingDraft(
                kind="insider.off_hours",
                door=Door.INSIDER,
                severity=Severity.MEDIUM,
                title=f"{len(rows)} search(es) far outside the user's usual hours",
                detail="Usual hours: " + ", ".join(f"{h:02d}:00" for h in sorted(usual[user_id])),
                agency_id=rows[0]["agency_id"],
                user_id=user_id,
                occurred_at=rows[0]["searched_at"],
                search_ids=[r["pk"] for r in rows],
                facts={"hours": sorted(hours), "usual_hours": sorted(usual[user_id])},
            )
        )
    return drafts


def insider_case_reuse(m: ReviewMonth) -> list[FindingDraft]:
    """One case number used for unrelated searches: different offense types, or different agencies."""
    rows = (
        m.searches()
        .exclude(case_number="")
        .values("case_number")
        .annotate(
            offenses=Count("offense_type", distinct=True),
            agencies=Count("agency_id", distinct=True),
            first=Min("searched_at"),
        )
        .filter(Q(offenses__gte=2) | Q(agencies__gte=2))
    )
    drafts = []
    for row in rows:
        if is_placeholder_case_number(row["case_number"]):
            continue  # reported as hygiene
        searches = m.searches().filter(case_number=row["case_number"])
        drafts.append(
            FindingDraft(
                kind="insider.case_reuse",
                door=Door.INSIDER,
                severity=Severity.MEDIUM,
                title=f"One case number used across {row['offenses']} offense type(s) and {row['agencies']} agency(ies)",
                occurred_at=row["first"],
                user_id=searches.values_list("user_id", flat=True).first(),
                search_ids=_ids(searches),
                facts={"offense_types": row["offenses"], "agencies": row["agencies"]},
            )
        )
    return drafts


# ---------------------------------------------------------------------------------------------
# Hygiene
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signals:
    near_line: tuple[str, ...]
    proxy_wording: str
    vague: bool


# Bump when a text check changes; the policy engine's text module is part of the version too.
ANALYZER = "1-" + hashlib.sha256(Path(policy_text.__file__).read_bytes()).hexdigest()[:12]


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=200_000)
def analyse_reason(reason: str) -> Signals:
    return Signals(_near_line(reason), proxy_wording(reason), policy_text.is_vague(reason))


def text_signals(reasons: Iterable[str]) -> dict[str, Signals]:
    """The text checks of each distinct reason: kept results where there are some, fresh ones (then
    kept) for the rest."""
    by_hash = {_text_hash(reason): reason for reason in reasons}
    out: dict[str, Signals] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 5000):
        chunk = hashes[start : start + 5000]
        for text_hash, near, proxy, vague in ReasonSignal.objects.filter(
            analyzer=ANALYZER, text_hash__in=chunk
        ).values_list("text_hash", "near_line", "proxy_wording", "vague"):
            out[by_hash[text_hash]] = Signals(tuple(near), proxy, vague)
    fresh = [(text_hash, reason) for text_hash, reason in by_hash.items() if reason not in out]
    rows = []
    for text_hash, reason in fresh:
        signals = out[reason] = analyse_reason(reason)
        rows.append(
            ReasonSignal(
                text_hash=text_hash,
                analyzer=ANALYZER,
                near_line=list(signals.near_line),
                proxy_wording=signals.proxy_wording[:64],
                vague=signals.vague,
            )
        )
    ReasonSignal.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return out


def prepare_text_signals(*, city: City, since: dt.datetime, until: dt.datetime) -> int:
    """Analyse the distinct reasons of ``city``'s searches in a period ahead of the review."""
    reasons = (
        Search.objects.filter(city=city, searched_at__gte=since, searched_at__lt=until)
        .values_list("reason", flat=True)
        .distinct()
    )
    return len(text_signals(reasons.iterator()))


def _per_searcher(
    rows: Iterable[dict],
    *,
    kind: str,
    door: str,
    severity: str,
    title: str,
    detail: Callable[[list[dict]], str] | None = None,
    facts: Callable[[list[dict]], dict] | None = None,
) -> list[FindingDraft]:
    """One finding per searcher (agency and user) of ``rows``: searches in time order, each a dict
    with ``pk``, ``agency_id``, ``user_id`` and ``searched_at``. ``title`` takes ``{n}``, the
    searcher's count; ``detail`` and ``facts`` (beyond ``searches``) are worked out per searcher."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["agency_id"], row["user_id"])].append(row)
    return [
        FindingDraft(
            kind=kind,
            door=door,
            severity=severity,
            title=title.format(n=len(group)),
            detail=detail(group) if detail is not None else "",
            agency_id=agency_id,
            user_id=user_id,
            occurred_at=group[0]["searched_at"],
            search_ids=[row["pk"] for row in group][:EVIDENCE_CAP],
            facts={"searches": len(group), **(facts(group) if facts is not None else {})},
        )
        for (agency_id, user_id), group in groups.items()
    ]


def hygiene_vague_reasons(m: ReviewMonth) -> list[FindingDraft]:
    allowed = m.searches().filter(outcome=ALLOWED)
    signals = text_signals(allowed.values_list("reason", flat=True).distinct().iterator())
    vague = [reason for reason, s in signals.items() if s.vague]
    if not vague:
        return []
    rows = (
        allowed.filter(reason__in=vague)
        .values("pk", "agency_id", "user_id", "searched_at")
        .order_by("searched_at")
    )
    return _per_searcher(
        rows,
        kind="hygiene.vague_reason",
        door=Door.HYGIENE,
        severity=Severity.LOW,
        title="{n} allowed search(es) with a vague reason",
    )


def hygiene_placeholder_cases(m: ReviewMonth) -> list[FindingDraft]:
    allowed = m.searches().filter(outcome=ALLOWED)
    placeholders = [
        c
        for c in allowed.values_list("case_number", flat=True).distinct().iterator()
        if is_placeholder_case_number(c)
    ]
    if not placeholders:
        return []
    rows = (
        allowed.filter(case_number__in=placeholders)
        .values("pk", "agency_id", "user_id", "searched_at", "case_number")
        .order_by("searched_at")
    )
    return _per_searcher(
        rows,
        kind="hygiene.placeholder_case",
        door=Door.HYGIENE,
        severity=Severity.LOW,
        title="{n} allowed search(es) with a placeholder case number",
    )


def hygiene_unverified_hits(m: ReviewMonth) -> list[FindingDraft]:
    hits = Hit.objects.filter(
        city=m.city,
        created_at__gte=m.start,
        created_at__lt=min(m.end, m.now - UNVERIFIED_HIT_GRACE),
        status=HitStatus.NEW,
    )
    count = hits.count()
    if not count:
        return []
    hit_ids = [str(h) for h in hits.values_list("public_id", flat=True)[:EVIDENCE_CAP]]
    events = AuditEvent.objects.filter(
        city=m.city,
        occurred_at__gte=m.start,
        occurred_at__lt=m.end,
        event_type="hit.created",
        target_id__in=hit_ids,
    ).values_list("pk", flat=True)
    return [
        FindingDraft(
            kind="hygiene.unverified_hits",
            door=Door.HYGIENE,
            severity=Severity.MEDIUM,
            title=f"{count} hotlist hit(s) never verified by a person",
            agency_id=m.city.own_agency_id,
            occurred_at=hits.order_by("created_at").values_list("created_at", flat=True).first(),
            event_ids=list(events),
            facts={"hits": count},
        )
    ]


def hygiene_agreements_past_expiry(m: ReviewMonth) -> list[FindingDraft]:
    last_day = min((m.end - dt.timedelta(days=1)).date(), m.local(m.now).date())
    agreements = agreements_past_their_end(city=m.city, before=last_day)
    drafts = []
    for agreement in agreements:
        after = m.searches().filter(
            agreement=agreement,
            searched_at__gte=dt.datetime.combine(agreement.ends_on + dt.timedelta(days=1), dt.time(), m.zone),
        )
        drafts.append(
            FindingDraft(
                kind="hygiene.agreement_past_expiry",
                door=Door.HYGIENE,
                severity=Severity.MEDIUM,
                title=f"Agreement still {agreement.state} after it ended on {agreement.ends_on:%Y-%m-%d}",
                agency_id=agreement.partner_agency_id,
                occurred_at=dt.datetime.combine(agreement.ends_on, dt.time(), m.zone),
                search_ids=_ids(after),
                facts={"agreement": str(agreement.public_id), "ends_on": agreement.ends_on.isoformat()},
            )
        )
    return drafts


DETECTORS: list[tuple[str, Callable[[ReviewMonth], list[FindingDraft]]]] = [
    ("Refused for a prohibited purpose", front_prohibited_purpose),
    ("Held or near the line", front_held_or_near_line),
    ("Repeated refusals", front_repeated_refusals),
    ("Back door: no agreement or out of scope", back_without_agreement),
    ("Side door: after a refusal", side_after_refusal),
    ("Side door: after a federal hotlist entry", side_after_federal_hotlist),
    ("Side door: proxy wording", side_proxy_wording),
    ("Side door: several agencies on one plate", side_multi_agency_plate),
    ("Side door: federal operation days", side_operation_clusters),
    ("Side door: volume jump", side_volume_jump),
    ("Insider: many plates", insider_many_plates),
    ("Insider: one plate again and again", insider_repeated_plate),
    ("Insider: unusual hours", insider_off_hours),
    ("Insider: case numbers reused", insider_case_reuse),
    ("Hygiene: vague reasons", hygiene_vague_reasons),
    ("Hygiene: placeholder case numbers", hygiene_placeholder_cases),
    ("Hygiene: unverified hits", hygiene_unverified_hits),
    ("Hygiene: agreements past expiry", hygiene_agreements_past_expiry),
]
