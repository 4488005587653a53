"""Reads partitioned by month on PostgreSQL (declarative range partitioning on ``captured_at``).

``cameras_read`` is the partitioned parent; each month is ``cameras_read_pYYYYMM`` (bounds in UTC)
and ``cameras_read_default`` catches anything outside them (an ingest never fails for want of a
partition). A daily beat task creates the coming months ahead; retention detaches and drops whole
months past every city's window, keeping their held reads (see ADR 0009). SQLite,
the embedded demo, keeps a plain table: every function here is a no-op there.

Partitioning forces the partition key into every unique constraint: the primary key is
``(id, captured_at)``, ``public_id`` is unique with ``captured_at`` (a random UUID), and a frame's
reads are unique on ``(frame_id, position, captured_at)`` (a frame's reads share its capture time).
Nothing references reads at the database level (``Hit.read`` has no constraint): the application
keeps that integrity, and retention deletes hits before their reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

PARENT = "cameras_read"
DEFAULT_PARTITION = "cameras_read_default"
_MONTH_NAME = re.compile(r"^cameras_read_p(\d{4})(\d{2})$")
# Named while detached, before its files are deleted and it is dropped (a run that stops in between
# is finished by the next one).
EXPIRED_PREFIX = "cameras_read_expired_"
OLDEST_MONTHS_AT_CONVERSION = 24
# Marks a unique index given ``captured_at`` for partitioning (e.g. a device's event id, unique per
# camera: now per camera and capture time), so that converting back restores its columns.
_WIDENED = "steward: captured_at added for partitioning"

# Constraints whose columns change with partitioning: name -> (kind, columns on a plain table).
_KEYS = {
    "cameras_read_pkey": ("PRIMARY KEY", ["id"]),
    "cameras_read_public_id_key": ("UNIQUE", ["public_id"]),
    "read_once_per_frame_position": ("UNIQUE", ["frame_id", '"position"']),
}


@dataclass(frozen=True)
class Partition:
    name: str
    start: dt.datetime
    end: dt.datetime


def _month_start(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)


def _next_month(start: dt.datetime) -> dt.datetime:
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def _month_partition(start: dt.datetime) -> Partition:
    return Partition(f"cameras_read_p{start:%Y%m}", start, _next_month(start))


def _is_partitioned(cursor) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [PARENT]
    )
    return cursor.fetchone()[0]


def reads_are_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return _is_partitioned(cursor)


def read_partitions() -> list[Partition]:
    """The monthly partitions attached now, oldest first (not the default one)."""
    if not reads_are_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [PARENT],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = []
    for name in names:
        match = _MONTH_NAME.match(name)
        if match:
            months.append(_month_partition(dt.datetime(int(match[1]), int(match[2]), 1, tzinfo=dt.UTC)))
    return sorted(months, key=lambda partition: partition.start)


def _create_partition(cursor, partition: Partition) -> None:
    """Create one month, moving any of its rows out of the default partition first.

    A new range cannot be attached while the default partition holds rows of it, so those rows move
    into the new table before it is attached (one transaction; the parent is locked meanwhile).
    """
    cursor.execute(
        f'CREATE TABLE "{partition.name}" (LIKE "{PARENT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
    )
    cursor.execute(f'LOCK TABLE "{PARENT}" IN SHARE ROW EXCLUSIVE MODE')
    if _has_default(cursor):
        cursor.execute(
            f'WITH moved AS (DELETE FROM "{DEFAULT_PARTITION}" WHERE captured_at >= %s AND captured_at < %s '
            f'RETURNING *) INSERT INTO "{partition.name}" SELECT * FROM moved',
            [partition.start, partition.end],
        )
    cursor.execute(
        f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{partition.name}" FOR VALUES FROM (%s) TO (%s)',
        [partition.start, partition.end],
    )
    _protect_partition(cursor, partition.name)


def _protect_partition(cursor, name: str) -> None:
    """The month gets the parent's row-level security when the parent has it (portal/rls.py).

    Queries through ``cameras_read`` are checked against the parent's policy; this covers one that
    names the partition itself.
    """
    from portal.rls import policy_statements

    cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
    row = cursor.fetchone()
    if row and row[0]:
        for statement in policy_statements(name):
            cursor.execute(statement)


def _has_default(cursor) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DEFAULT_PARTITION])
    return cursor.fetchone()[0]


def ensure_read_partitions(
    *, now: dt.datetime | None = None, months_ahead: int = 3, months_behind: int = 0
) -> list[str]:
    """Create the months from ``months_behind`` before ``now`` to ``months_ahead`` after it.

    Safe to run twice: existing months are left alone. Returns the names created.
    """
    if not reads_are_partitioned():
        return []
    # Rows move out of the default partition whatever their city: the database's system scope.
    from portal.rls import system_scope

    with system_scope():
        return _ensure_read_partitions(now=now, months_ahead=months_ahead, months_behind=months_behind)


def _ensure_read_partitions(*, now: dt.datetime | None, months_ahead: int, months_behind: int) -> list[str]:
    now = now or timezone.now()
    start = _month_start(now)
    for _ in range(months_behind):
        start = _month_start(start - dt.timedelta(days=1))
    existing = {partition.name for partition in read_partitions()}
    created = []
    for _ in range(months_behind + months_ahead + 1):
        partition = _month_partition(start)
        if partition.name not in existing:
            with transaction.atomic(), connection.cursor() as cursor:
                _create_partition(cursor, partition)
            created.append(partition.name)
        start = partition.end
    return created


# --- retention by partition --------------------------------------------------------------------------------


def expired_read_partitions(*, cutoff: dt.datetime) -> list[Partition]:
    """Months wholly older than ``cutoff`` (the oldest cutoff of every city)."""
    return [partition for partition in read_partitions() if partition.end <= cutoff]


def _detached_crops(cursor, table: str, chunk: int = 10_000) -> Iterator[list[str]]:
    last = None
    while True:
        cursor.execute(
            f"SELECT id, crop FROM \"{table}\" WHERE crop <> '' AND (%s::bigint IS NULL OR id > %s) "
            "ORDER BY id LIMIT %s",
            [last, last, chunk],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield [crop for _, crop in rows]


def finish_detached() -> None:
    """Delete the crop files of detached months, then drop them (committed, so nothing refers to them)."""
    from cameras.models import private_storage

    storage = private_storage()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE %s AND relkind = 'r'", [EXPIRED_PREFIX + "%"]
        )
        for (table,) in cursor.fetchall():
            for names in _detached_crops(cursor, table):
                for name in names:
                    storage.delete(name)
            cursor.execute(f'DROP TABLE "{table}"')


# --- converting the table (used by migration 0006) ----------------------------------------------------------


def convert_reads_table(schema_editor, *, partitioned: bool, now: dt.datetime | None = None) -> None:
    """Rebuild ``cameras_read`` as a partitioned table (or back to a plain one), keeping every row.

    The old table is renamed, a new one is made with the same columns, rows are copied, and the
    migration fails (rolling back) unless the counts agree. Indexes and constraints are rebuilt after
    the copy from the old table's own definitions, so the search's trigram and day indexes survive.
    """
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if _is_partitioned(cursor) == partitioned:
            return
        cursor.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = to_regclass(%s)", [PARENT]
        )
        referencing = [row[0] for row in cursor.fetchall()]
        if referencing:
            raise RuntimeError(f"{PARENT} is referenced by foreign keys from {referencing}: drop them first")
        cursor.execute(f'LOCK TABLE "{PARENT}" IN ACCESS EXCLUSIVE MODE')
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(%s) AND contype IN ('c', 'f') ORDER BY conname",
            [PARENT],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> ALL(%s) ORDER BY indexname",
            [PARENT, list(_KEYS)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass(%s) AND obj_description(c.oid, 'pg_class') = %s",
            [PARENT, _WIDENED],
        )
        widened_before = {row[0] for row in cursor.fetchall()}
        cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{PARENT}"')
        next_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(f"SELECT last_value FROM {sequence}")
            next_id = max(next_id, cursor.fetchone()[0] + 1)

        old = f"{PARENT}_before_conversion"
        cursor.execute(f'ALTER TABLE "{PARENT}" RENAME TO "{old}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE "{old}" DROP CONSTRAINT "{name}"')
        for name in _KEYS:
            cursor.execute(f'ALTER TABLE "{old}" DROP CONSTRAINT IF EXISTS "{name}"')
        cursor.execute(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'id'", [old]
        )
        if cursor.fetchone()[0]:
            cursor.execute(f'ALTER TABLE "{old}" ALTER COLUMN id DROP IDENTITY')
        else:
            cursor.execute(f'ALTER TABLE "{old}" ALTER COLUMN id DROP DEFAULT')
            cursor.execute(f"DROP SEQUENCE IF EXISTS {PARENT}_id_seq")

        suffix = " PARTITION BY RANGE (captured_at)" if partitioned else ""
        cursor.execute(f'CREATE TABLE "{PARENT}" (LIKE "{old}" INCLUDING DEFAULTS){suffix}')
        if partitioned:
            cursor.execute(
                f'CREATE SEQUENCE "{PARENT}_id_seq" OWNED BY "{PARENT}".id START WITH %s', [next_id]
            )
            cursor.execute(f"ALTER TABLE \"{PARENT}\" ALTER COLUMN id SET DEFAULT nextval('{PARENT}_id_seq')")
            cursor.execute(f'SELECT min(captured_at) FROM "{old}"')
            now = now or timezone.now()
            oldest = cursor.fetchone()[0] or now
            start = _month_start(max(oldest, now - dt.timedelta(days=31 * OLDEST_MONTHS_AT_CONVERSION)))
            end = _next_month(_next_month(_next_month(_month_start(now))))
            while start <= end:
                partition = _month_partition(start)
                cursor.execute(
                    f'CREATE TABLE "{partition.name}" PARTITION OF "{PARENT}" FOR VALUES FROM (%s) TO (%s)',
                    [partition.start, partition.end],
                )
                start = partition.end
            cursor.execute(f'CREATE TABLE "{DEFAULT_PARTITION}" PARTITION OF "{PARENT}" DEFAULT')
        else:
            cursor.execute(
                f'ALTER TABLE "{PARENT}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH %s)',
                [next_id],
            )

        cursor.execute(f'INSERT INTO "{PARENT}" SELECT * FROM "{old}"')
        copied = cursor.rowcount
        cursor.execute(f'SELECT count(*) FROM "{old}"')
        before = cursor.fetchone()[0]
        if copied != before:
            raise RuntimeError(f"converting {PARENT}: copied {copied} rows of {before}")
        cursor.execute(f'DROP TABLE "{old}" CASCADE')

        for name, (kind, columns) in _KEYS.items():
            columns = columns + ["captured_at"] if partitioned else columns
            cursor.execute(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{name}" {kind} ({", ".join(columns)})')
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{PARENT}" ADD CONSTRAINT "{name}" {definition}')
        for name, definition in indexes:
            definition = definition.replace(" ON ONLY ", " ON ")
            widened = False
            if definition.startswith("CREATE UNIQUE INDEX"):
                definition, widened = _unique_index_for(
                    definition, partitioned=partitioned, was_widened=name in widened_before
                )
            cursor.execute(definition)
            if widened:
                cursor.execute(f'COMMENT ON INDEX "{name}" IS %s', [_WIDENED])
        cursor.execute(f'ANALYZE "{PARENT}"')


def _unique_index_for(definition: str, *, partitioned: bool, was_widened: bool) -> tuple[str, bool]:
    """A unique index definition for the new table: with ``captured_at`` added to its columns when
    partitioned (PostgreSQL requires the partition key), without it again when converting back an
    index that was widened so. Returns the definition and whether it is widened."""
    head, _, rest = definition.partition(" USING btree (")
    columns, _, tail = rest.partition(")")
    names = [column.strip() for column in columns.split(",")]
    if partitioned and "captured_at" not in names:
        return f"{head} USING btree ({columns}, captured_at){tail}", True
    if not partitioned and was_widened and names[-1] == "captured_at":
        return f"{head} USING btree ({', '.join(names[:-1])}){tail}", False
    return definition, False
