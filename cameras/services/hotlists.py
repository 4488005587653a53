"""Hotlists, matching reads against them, and the hit disposition workflow."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audits.events import EventType
from audits.models import Outcome
from audits.services import audit_record
from cameras.hooks import (
    HitsCommitted,
    HotlistEntryProposed,
    HotlistProposed,
    hits_committed,
    hotlist_entry_screens,
    hotlist_screens,
)
from cameras.jurisdictions import is_jurisdiction
from cameras.models import (
    MANAGE_HOTLIST,
    Disposition,
    Hit,
    HitStatus,
    Hotlist,
    HotlistEntry,
    MatchKind,
    Read,
    confusion_key,
)
from cameras.recognition import normalize_plate
from portal.models import City, User
from portal.object_permissions import holds, object_permission_grant, object_permission_revoke
from portal.roles import HIT_HANDLER_ROLES, MANAGER_ROLES
from portal.tenancy import city_scope
from portal.validation import moment_problem, sane_moment

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
STATE_CODE = re.compile(r"^[A-Z]{2}$")


class HotlistRefused(ValueError):
    """The city's policy or the input refuses this hotlist operation; the message says why."""

    def __init__(self, message: str, *, rule: str):
        super().__init__(message)
        self.rule = rule


class HitAlreadyDisposed(ValueError):
    pass


# --- policy -------------------------------------------------------------------------------------------


def _refuse(*, city: City, by: User, event_type: str, message: str, rule: str, details: dict, request=None):
    with transaction.atomic():
        audit_record(
            event_type=event_type,
            city=city,
            actor=by,
            details={**details, "rule": rule, "message": message},
            outcome=Outcome.DENIED,
            request=request,
        )
    raise HotlistRefused(message, rule=rule)


def _check_source(*, city: City, by: User, name: str, source: str, request=None) -> None:
    """Each screen subscribed to ``hotlist_screens`` may refuse the hotlist (the first one decides)."""
    for refusal in hotlist_screens.announce(HotlistProposed(city=city, name=name, source=source)):
        if refusal is not None:
            _refuse(
                city=city,
                by=by,
                event_type=EventType.HOTLIST_REFUSED,
                message=refusal.message,
                rule=refusal.rule,
                details={"name": name, "source": source},
                request=request,
            )


# --- hotlists -------------------------------------------------------------------------------------------


def hotlist_create(
    *,
    city: City,
    by: User,
    name: str,
    source: str,
    priority: int,
    expires_at: dt.datetime | None = None,
    alert_dispatchers: bool = True,
    share_alerts_with_partners: bool = False,
    request=None,
) -> Hotlist:
    _check_source(city=city, by=by, name=name, source=source, request=request)
    with transaction.atomic(), city_scope(city):
        hotlist = Hotlist.objects.create(
            name=name,
            source=source,
            priority=priority,
            expires_at=expires_at,
            alert_dispatchers=alert_dispatchers,
            share_alerts_with_partners=share_alerts_with_partners,
            created_by=by,
        )
        audit_record(
            event_type=EventType.HOTLIST_CREATED,
            city=city,
            actor=by,
            target_type="hotlist",
            target_id=str(hotlist.public_id),
            details={"name": name, "source": source, "priority": priority},
            request=request,
        )
    return hotlist


def hotlist_archive(*, hotlist: Hotlist, by: User, request=None) -> None:
    with transaction.atomic():
        updated = Hotlist.all_cities.filter(pk=hotlist.pk, archived_at__isnull=True).update(
            archived_at=timezone.now()
        )
        if updated:
            audit_record(
                event_type=EventType.HOTLIST_ARCHIVED,
                city=hotlist.city,
                actor=by,
                target_type="hotlist",
                target_id=str(hotlist.public_id),
                request=request,
            )


@dataclass
class EntryProblem:
    row: int
    plate: str
    reason: str


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: list[EntryProblem] = field(default_factory=list)


def _entry_problem(city: City, plate: str, state: str, reason: str, expires_at: dt.datetime | None) -> str:
    if not 2 <= len(plate) <= 10:
        return "The plate must have 2 to 10 letters or digits."
    if state and not STATE_CODE.match(state):
        return f"'{state}' is not a state: use its two-letter code (for example WA, OR or BC)."
    if state and not is_jurisdiction(state):
        return f"'{state}' is not a US state, territory or Canadian province code (for example WA, OR or BC)."
    if not reason:
        return "Each entry needs a reason (what the vehicle is wanted for)."
    if expires_at is not None and moment_problem(expires_at):
        return moment_problem(expires_at)
    if expires_at is not None and expires_at <= timezone.now():
        return "The entry has already expired."
    for refusal in hotlist_entry_screens.announce(
        HotlistEntryProposed(city=city, plate=plate, reason=reason)
    ):
        if refusal is not None:
            return refusal.message
    return ""


def _require_manager(hotlist: Hotlist, by: User) -> None:
    if not (by.has_city_role(hotlist.city, *MANAGER_ROLES) or holds(by, hotlist, MANAGE_HOTLIST)):
        raise PermissionDenied("Only the chief, clerks and this list's assigned managers change it.")


def hotlist_entry_add(
    *, hotlist: Hotlist, by: User, plate: str, state: str, reason: str, expires_at=None, request=None
) -> HotlistEntry:
    _require_manager(hotlist, by)
    plate, state, reason = normalize_plate(plate), state.strip().upper(), reason.strip()
    problem = _entry_problem(hotlist.city, plate, state, reason, expires_at)
    if problem:
        _refuse(
            city=hotlist.city,
            by=by,
            event_type=EventType.HOTLIST_ENTRY_REFUSED,
            message=problem,
            rule="entry.invalid",
            details={"hotlist": str(hotlist.public_id)},
            request=request,
        )
    with transaction.atomic(), city_scope(hotlist.city):
        try:
            with transaction.atomic():
                entry = HotlistEntry.objects.create(
                    hotlist=hotlist,
                    plate=plate,
                    plate_key=confusion_key(plate),
                    state=state,
                    reason=reason,
                    expires_at=expires_at,
                    added_by=by,
                )
        except IntegrityError as error:
            raise HotlistRefused(
                "This plate and state are already on the list.", rule="entry.duplicate"
            ) from error
        audit_record(
            event_type=EventType.HOTLIST_ENTRY_ADDED,
            city=hotlist.city,
            actor=by,
            target_type="hotlist",
            target_id=str(hotlist.public_id),
            details={"entry": str(entry.public_id)},
            request=request,
        )
    return entry


def _parse_expiry(text: str) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    example = "write it as YYYY-MM-DD, for example 2026-12-31"
    try:
        moment = parse_datetime(text)
        day = parse_date(text) if moment is None else None
    except ValueError:
        # The shape is a date but the day is not one (month 13, 31 April): say so in words.
        raise ValueError(f"The expiry date '{text}' is not a real calendar date; {example}.") from None
    if moment is None:
        if day is None:
            raise ValueError(f"The expiry date '{text}' is not a date; {example}.")
        moment = dt.datetime.combine(day, dt.time(23, 59, 59))
    return sane_moment(moment)  # ValueError outside 2000..2099 (or past what UTC can hold)


# A field longer than this is reported on its row; one past the csv module's own limit (131,072
# characters) stops the file at that line, with nothing stored.
MAX_IMPORT_FIELD_CHARS = 1000


def _csv_rows(reader: csv.DictReader):
    """``(line, row)`` pairs; a line the csv module cannot read refuses the file with its number."""
    line = 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise HotlistRefused(
                f"Line {reader.line_num + 1}: the file cannot be read as CSV there ({error}). Nothing was imported.",
                rule="file.unreadable_row",
            ) from error
        line += 1
        yield reader.line_num if reader.line_num else line, raw


def hotlist_import_csv(*, hotlist: Hotlist, by: User, data: bytes, request=None) -> ImportReport:
    """Import ``plate,state,reason[,expires]`` rows. Good rows are stored together; each bad row is
    reported with its line number and why. A file that is not such a CSV is refused whole."""
    city = hotlist.city
    _require_manager(hotlist, by)
    _check_source(city=city, by=by, name=hotlist.name, source=hotlist.source, request=request)
    if len(data) > MAX_IMPORT_BYTES:
        raise HotlistRefused(
            f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.", rule="file.too_large"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HotlistRefused("The file is not UTF-8 text.", rule="file.encoding") from error
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns = {name.strip().lower() for name in (reader.fieldnames or [])}
    except csv.Error as error:
        raise HotlistRefused(
            f"Line 1: the column names cannot be read as CSV ({error}).", rule="file.unreadable_row"
        ) from error
    if not {"plate", "reason"} <= columns:
        raise HotlistRefused(
            "The first line must name the columns: plate, state, reason, expires.", rule="file.columns"
        )
    report = ImportReport()
    with city_scope(city):
        existing = set(HotlistEntry.objects.filter(hotlist=hotlist).values_list("plate", "state"))
    rows: list[HotlistEntry] = []
    for line, raw in _csv_rows(reader):
        if line - 1 > MAX_IMPORT_ROWS:
            raise HotlistRefused(f"At most {MAX_IMPORT_ROWS} rows per file.", rule="file.too_many_rows")
        values = [value for value in raw.values() if isinstance(value, str)]
        if any("\x00" in value for value in values):
            report.rejected.append(EntryProblem(line, "", "The row contains a NUL character."))
            continue
        if any(len(value) > MAX_IMPORT_FIELD_CHARS for value in values):
            report.rejected.append(
                EntryProblem(line, "", f"A field is longer than {MAX_IMPORT_FIELD_CHARS} characters.")
            )
            continue
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        plate, state = normalize_plate(row.get("plate", "")), row.get("state", "").upper()
        try:
            expires_at = _parse_expiry(row.get("expires", ""))
        except ValueError as error:
            report.rejected.append(EntryProblem(line, plate, str(error)))
            continue
        problem = _entry_problem(hotlist.city, plate, state, row.get("reason", ""), expires_at)
        if not problem and (plate, state) in existing:
            problem = "Already on the list (same plate and state)."
        if problem:
            report.rejected.append(EntryProblem(line, row.get("plate", ""), problem))
            continue
        existing.add((plate, state))
        rows.append(
            HotlistEntry(
                city=city,
                hotlist=hotlist,
                plate=plate,
                plate_key=confusion_key(plate),
                state=state,
                reason=row["reason"][:200],
                expires_at=expires_at,
                added_by=by,
            )
        )
    with transaction.atomic():
        HotlistEntry.all_cities.bulk_create(rows, batch_size=5000)
        report.accepted = len(rows)
        audit_record(
            event_type=EventType.HOTLIST_IMPORTED,
            city=city,
            actor=by,
            target_type="hotlist",
            target_id=str(hotlist.public_id),
            details={"accepted": report.accepted, "rejected": len(report.rejected)},
            request=request,
        )
    return report


# --- matching ---------------------------------------------------------------------------------------------


def _active_entries_for(keys: set[str], now: dt.datetime):
    return (
        HotlistEntry.objects.filter(plate_key__in=keys, hotlist__archived_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(Q(hotlist__expires_at__isnull=True) | Q(hotlist__expires_at__gt=now))
        .select_related("hotlist")
    )


def plate_keys_listed(*, city: City, plates: Iterable[str], now: dt.datetime | None = None) -> set[str]:
    """The confusion keys of ``plates`` that some active entry of the city's hotlists carries (one
    indexed query). Ingest asks this before it stores a batch: reads whose key is not listed are
    stored already matched, and only the others are matched (``reads_match``) after the commit."""
    keys = {confusion_key(plate) for plate in plates}
    if not keys:
        return set()
    with city_scope(city):
        return set(
            _active_entries_for(keys, now or timezone.now()).values_list("plate_key", flat=True).distinct()
        )


def reads_match(*, city: City, read_ids: list[int]) -> list[Hit]:
    """Match reads against the city's active hotlist entries; returns the hits created now.

    Exact plate matches and near matches under OCR confusions (O/0, I/1, B/8, S/5, Z/2) marked
    "possible". Two indexed queries per batch whatever the size of the lists. Safe to run twice:
    a (read, entry) pair makes at most one hit.
    """
    now = timezone.now()
    with city_scope(city):
        # Unread reads (below the recogniser's confidence floor) are kept but never matched.
        # (they are marked matched all the same, so the sweeper does not pick them up again).
        reads = list(Read.objects.filter(pk__in=read_ids).exclude(read_status="unread").only("pk", "plate"))
        matched_now = Read.objects.filter(pk__in=read_ids, matched_at__isnull=True)
        if not reads:
            matched_now.update(matched_at=now)
            return []
        entries_by_key: dict[str, list[HotlistEntry]] = defaultdict(list)
        for entry in _active_entries_for({confusion_key(read.plate) for read in reads}, now):
            entries_by_key[entry.plate_key].append(entry)
        candidates = [
            Hit(
                city=city,
                read=read,
                entry=entry,
                hotlist=entry.hotlist,
                match_kind=MatchKind.EXACT if entry.plate == read.plate else MatchKind.POSSIBLE,
                listed_plate=entry.plate,
                listed_state=entry.state,
                reason=entry.reason,
                priority=entry.hotlist.priority,
            )
            for read in reads
            for entry in entries_by_key.get(confusion_key(read.plate), [])
        ]
        if not candidates:
            matched_now.update(matched_at=now)
            return []
        with transaction.atomic():
            matched_now.update(matched_at=now)
            done = set(
                Hit.objects.filter(read_id__in=[c.read_id for c in candidates]).values_list(
                    "read_id", "entry_id"
                )
            )
            new = [c for c in candidates if (c.read_id, c.entry_id) not in done]
            created = Hit.objects.bulk_create(new)
            for hit in created:
                audit_record(
                    event_type=EventType.HIT_CREATED,
                    city=city,
                    target_type="hit",
                    target_id=str(hit.public_id),
                    details={"hotlist": str(hit.hotlist.public_id), "match": hit.match_kind},
                )
            transaction.on_commit(lambda: _announce_hits(city, [hit.pk for hit in created], created=True))
    return created


def _announce_hits(city: City, hit_ids: list[int], *, created: bool) -> None:
    """After commit: the dispatchers' live push and the partner alerts subscribe to this."""
    hits_committed.announce(HitsCommitted(city=city, hit_ids=tuple(hit_ids), created=created))


# --- disposition ---------------------------------------------------------------------------------------------

DISPOSERS = HIT_HANDLER_ROLES


def _already_disposed_message(*, hit: Hit, by: User) -> str:
    """Say who recorded the disposition that stands: "you" when it was this same person."""
    current = Hit.all_cities.select_related("disposed_by").get(pk=hit.pk)
    label = current.get_disposition_display().lower() if current.disposition else current.status
    when = current.disposed_at.strftime("%H:%M:%S UTC") if current.disposed_at else "earlier"
    if current.disposed_by_id == by.pk:
        return f"You already recorded this hit as {label} at {when}; nothing was changed."
    who = current.disposed_by.get_username() if current.disposed_by else "another dispatcher"
    return f"{who} already recorded this hit as {label} at {when}; nothing was changed."


def hit_disposition(*, hit: Hit, by: User, disposition: str, action_taken: str = "", request=None) -> Hit:
    """A person verifies a hit with the image in front of them. Only "correct read" confirms it."""
    if not by.has_city_role(hit.city, *DISPOSERS):
        raise PermissionError("Only the city's dispatchers and chief disposition hits.")
    if disposition not in Disposition.values:
        raise ValueError(f"Unknown disposition {disposition!r}.")
    action_taken = action_taken.strip()
    if disposition == Disposition.CORRECT_READ and not action_taken:
        raise ValueError(
            "Say what action was taken (for example 'unit 12 dispatched', 'none: vehicle gone')."
        )
    status = HitStatus.CONFIRMED if disposition == Disposition.CORRECT_READ else HitStatus.REJECTED
    now = timezone.now()
    with transaction.atomic():
        claimed = Hit.all_cities.filter(pk=hit.pk, status=HitStatus.NEW).update(
            status=status,
            disposition=disposition,
            action_taken=action_taken[:300],
            disposed_by=by,
            disposed_at=now,
        )
        if not claimed:
            raise HitAlreadyDisposed(_already_disposed_message(hit=hit, by=by))
        audit_record(
            event_type=EventType.HIT_DISPOSITIONED,
            city=hit.city,
            actor=by,
            target_type="hit",
            target_id=str(hit.public_id),
            details={"disposition": disposition, "status": status, "action_taken": action_taken[:300]},
            request=request,
        )
        transaction.on_commit(lambda: _announce_hits(hit.city, [hit.pk], created=False))
    hit.refresh_from_db()
    return hit


def reads_match_pending(*, older_than: dt.timedelta = dt.timedelta(seconds=30), limit: int = 5000) -> int:
    """Match reads that were stored but never matched (the broker was down when they arrived).

    The safety net behind matching on commit (``ingest._reads_stored``): no read escapes the hotlists for longer than a
    beat interval. Returns how many reads were matched.
    """
    stored_before = timezone.now() - older_than
    pending = (
        Read.all_cities.filter(matched_at__isnull=True, created_at__lt=stored_before)
        .order_by("created_at")
        .values_list("city_id", "pk")[:limit]
    )
    by_city: dict[int, list[int]] = defaultdict(list)
    for city_id, read_id in pending:
        by_city[city_id].append(read_id)
    for city in City.objects.filter(pk__in=by_city):
        reads_match(city=city, read_ids=by_city[city.pk])
    return sum(len(ids) for ids in by_city.values())


# --- per-object managers (django-guardian) ---------------------------------------------------------


def hotlist_manager_grant(*, hotlist: Hotlist, user: User, by: User, request=None) -> bool:
    """The chief or a clerk lets one more of the city's staff manage this hotlist (audited)."""
    return object_permission_grant(
        obj=hotlist, permission=MANAGE_HOTLIST, user=user, by=by, granters=MANAGER_ROLES, request=request
    )


def hotlist_manager_revoke(*, hotlist: Hotlist, user: User, by: User, request=None) -> bool:
    return object_permission_revoke(
        obj=hotlist, permission=MANAGE_HOTLIST, user=user, by=by, granters=MANAGER_ROLES, request=request
    )
