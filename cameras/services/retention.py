"""Retention: expired reads and frames leave in bounded batches of SQL, never through Python rows.

The ORM's ``QuerySet.delete()`` collects every row and its cascades in Python (3 million reads took
183 s and 5.5 GB). Here each batch is one transaction that deletes at most ``batch_size`` reads (the
hits pointing at them first: ``Hit.read`` is the only foreign key to reads), writes the batch's
``RetentionPurge`` record and its audit entry, and hands the crop files it freed to
``transaction.on_commit``. A read held as evidence (``evidence_case_number``) is never selected, and
on PostgreSQL the batch locks the rows it deletes, so a hold committed meanwhile keeps its read.
Whole monthly partitions past every city's window are dropped first (``cameras.partitions``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection, transaction
from django.utils import timezone

from audits.events import EventType
from audits.services import audit_record
from cameras import partitions
from cameras.models import PurgeMethod, RetentionPurge, private_storage
from portal.models import City
from portal.rls import system_scope
from portal.tenancy import city_scope

__all__ = ["RETENTION_BATCH_SIZE", "retention_drop_expired_months", "retention_purge", "retention_record"]

RETENTION_BATCH_SIZE = 50_000

# One statement on PostgreSQL, on one table (a month, the default partition, or the plain table):
# the batch is chosen, its reads deleted by tuple id (a TID scan: no index probes), then the hits
# of the reads actually deleted; only the aggregate (count, time range, crop names) comes back.
# No row lock is needed: the delete re-checks its conditions on a row changed meanwhile, so a read
# held after the batch was chosen is skipped, and so are its hits.
_POSTGRES_READ_BATCH = """
WITH doomed AS (
    SELECT ctid FROM {table}
    WHERE city_id = %(city)s AND captured_at >= %(after)s AND captured_at < %(cutoff)s
      AND evidence_case_number = ''
    ORDER BY captured_at
    LIMIT %(limit)s
), gone AS (
    DELETE FROM {table}
    WHERE ctid = ANY(ARRAY(SELECT ctid FROM doomed))
      AND city_id = %(city)s AND captured_at < %(cutoff)s AND evidence_case_number = ''
    RETURNING id, captured_at, crop
), gone_hits AS (
    DELETE FROM cameras_hit WHERE read_id = ANY(ARRAY(SELECT id FROM gone)) RETURNING 1
)
SELECT count(*), min(captured_at), max(captured_at),
       coalesce(array_agg(crop) FILTER (WHERE crop <> ''), '{{}}'),
       (SELECT count(*) FROM gone_hits)
FROM gone
"""

# SQLite (the embedded demo) has no data-modifying CTEs; its IMMEDIATE transactions hold the
# database's write lock, so the same subquery names the same rows in both statements.
_SQLITE_DOOMED = """
SELECT id FROM cameras_read
WHERE city_id = %(city)s AND captured_at >= %(after)s AND captured_at < %(cutoff)s
      AND evidence_case_number = ''
ORDER BY captured_at LIMIT %(limit)s
"""

# Frames go once no read points at them (a held read keeps its frame); their image files after commit.
_FRAME_BATCH = """
DELETE FROM cameras_frame WHERE id IN (
    SELECT f.id FROM cameras_frame AS f
    WHERE f.city_id = %(city)s AND f.captured_at < %(cutoff)s
      AND NOT EXISTS (SELECT 1 FROM cameras_read AS r WHERE r.frame_id = f.id)
    ORDER BY f.id LIMIT %(limit)s
) RETURNING image
"""


def _read_tables(cutoff: dt.datetime) -> list[str]:
    """The tables that may hold reads older than ``cutoff``: months that start before it and the
    default partition, or the one plain table."""

    if not partitions.reads_are_partitioned():
        return [partitions.PARENT]
    months = [partition.name for partition in partitions.read_partitions() if partition.start < cutoff]
    return [*months, partitions.DEFAULT_PARTITION]


def _delete_read_batch(
    table: str, params: dict
) -> tuple[int, dt.datetime | None, dt.datetime | None, list[str], int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_READ_BATCH.format(table=connection.ops.quote_name(table)), params)
            count, oldest, newest, crops, hits = cursor.fetchone()
            return count, oldest, newest, list(crops), hits
        cursor.execute(f"DELETE FROM cameras_hit WHERE read_id IN ({_SQLITE_DOOMED})", params)
        hits = cursor.rowcount
        cursor.execute(
            f"DELETE FROM cameras_read WHERE id IN ({_SQLITE_DOOMED}) RETURNING captured_at, crop", params
        )
        rows = cursor.fetchall()  # at most one batch
    moments = [connection.ops.convert_datetimefield_value(row[0], None, connection) for row in rows]
    return (
        len(rows),
        min(moments, default=None),
        max(moments, default=None),
        [row[1] for row in rows if row[1]],
        hits,
    )


def _count_held(city: City, cutoff: dt.datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM cameras_read WHERE city_id = %s AND captured_at < %s "
            "AND evidence_case_number <> ''",
            [city.pk, cutoff],
        )
        return cursor.fetchone()[0]


def retention_record(
    *,
    city: City,
    run_id: uuid.UUID,
    method: str,
    cutoff: dt.datetime,
    reads_deleted: int,
    frames_deleted: int,
    reads_held: int,
    oldest: dt.datetime | None,
    newest: dt.datetime | None,
    hits_deleted: int = 0,
    partition: str = "",
) -> RetentionPurge:
    """One step's ``RetentionPurge`` and its audit entry (counts and time range, never plates).

    Runs inside the caller's transaction: the record commits with the deletion it describes.
    """
    with city_scope(city):
        purge = RetentionPurge.objects.create(
            run_id=run_id,
            method=method,
            partition=partition,
            cutoff=cutoff,
            reads_deleted=reads_deleted,
            frames_deleted=frames_deleted,
            reads_held=reads_held,
            oldest_deleted=oldest,
            newest_deleted=newest,
        )
    audit_record(
        event_type=EventType.RETENTION_PURGED,
        city=city,
        target_type="retention_purge",
        target_id=str(purge.pk),
        details={
            "run_id": str(run_id),
            "method": method,
            "partition": partition,
            "cutoff": cutoff.isoformat(),
            "retention_days": city.retention_days,
            "reads_deleted": reads_deleted,
            "hits_deleted": hits_deleted,
            "frames_deleted": frames_deleted,
            "reads_held_as_evidence": reads_held,
            "oldest_deleted": oldest.isoformat() if oldest else None,
            "newest_deleted": newest.isoformat() if newest else None,
        },
    )
    return purge


def retention_purge(
    *,
    city: City,
    now: dt.datetime | None = None,
    batch_size: int = RETENTION_BATCH_SIZE,
    run_id: uuid.UUID | None = None,
) -> RetentionPurge:
    """Delete the city's reads and frames older than its retention period, except evidence holds.

    Works in batches of at most ``batch_size`` reads (or frames), each its own transaction with its
    own ``RetentionPurge`` record and audit entry; an interrupted run leaves every finished batch
    recorded and the rest for the next run. A run that finds nothing still leaves one record.
    Returns a summary of the run (not saved): totals over its batches, ``reads_held`` as of the end.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    # Its raw SQL runs in the city's scope: row-level security lets it see that city's rows only.
    with city_scope(city):
        return _retention_purge(city=city, now=now, batch_size=batch_size, run_id=run_id)


def _retention_purge(
    *, city: City, now: dt.datetime | None, batch_size: int, run_id: uuid.UUID | None
) -> RetentionPurge:
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=city.retention_days)
    run_id = run_id or uuid.uuid4()
    storage = private_storage()
    # Each batch starts where the last one ended (oldest first), so no batch walks back over the
    # index entries of rows already deleted (before vacuum they are still in the index). Each table
    # (month) is purged on its own: its batches touch its indexes only.
    params = {
        "city": city.pk,
        "cutoff": cutoff,
        "limit": batch_size,
        "after": dt.datetime.min.replace(tzinfo=dt.UTC),
    }
    total = RetentionPurge(
        city=city, run_id=run_id, cutoff=cutoff, reads_deleted=0, frames_deleted=0, reads_held=0
    )
    recorded = 0
    for table in _read_tables(cutoff):
        params["after"] = dt.datetime.min.replace(tzinfo=dt.UTC)
        while True:
            with transaction.atomic():
                count, oldest, newest, crops, hits = _delete_read_batch(table, params)
                if count:
                    total.reads_held = _count_held(city, cutoff)
                    retention_record(
                        city=city,
                        run_id=run_id,
                        method=PurgeMethod.BATCH,
                        cutoff=cutoff,
                        reads_deleted=count,
                        frames_deleted=0,
                        reads_held=total.reads_held,
                        oldest=oldest,
                        newest=newest,
                        hits_deleted=hits,
                    )
                    recorded += 1
                if crops:
                    transaction.on_commit(lambda names=crops: [storage.delete(name) for name in names])
            if count:
                total.reads_deleted += count
                total.oldest_deleted = min(filter(None, [total.oldest_deleted, oldest]))
                total.newest_deleted = max(filter(None, [total.newest_deleted, newest]))
                params["after"] = newest
            if count < batch_size:
                break
    # Frames once their reads are gone, in batches too; a run that deleted nothing still records.
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_FRAME_BATCH, params)
                frames = [row[0] for row in cursor.fetchall()]
            if frames or not recorded:
                total.reads_held = _count_held(city, cutoff)
                retention_record(
                    city=city,
                    run_id=run_id,
                    method=PurgeMethod.BATCH,
                    cutoff=cutoff,
                    reads_deleted=0,
                    frames_deleted=len(frames),
                    reads_held=total.reads_held,
                    oldest=None,
                    newest=None,
                )
                recorded += 1
            names = [name for name in frames if name]
            if names:
                transaction.on_commit(lambda names=names: [storage.delete(name) for name in names])
        total.frames_deleted += len(frames)
        if len(frames) < batch_size:
            return total


def retention_drop_expired_months(*, now: dt.datetime, run_id: uuid.UUID) -> dict[int, int]:
    """Drop every month past every city's window; its reads held as evidence survive.

    Each drop is one transaction: the month is detached, its held reads copied back into the reads
    (same ids; they land in the default partition, the month being gone), the hits of the others
    deleted, and each city with reads in it gets a ``RetentionPurge`` (method ``partition``) and an
    audit entry. The crop files go after commit, read from the detached table in chunks, then the
    table is dropped. Returns reads deleted per city id.
    """

    if not partitions.reads_are_partitioned():
        return {}
    # A month holds every city's reads: the drop works in the database's system scope.
    with system_scope():
        return _drop_expired_months(now=now, run_id=run_id)


def _drop_expired_months(*, now: dt.datetime, run_id: uuid.UUID) -> dict[int, int]:
    cities = {city.pk: city for city in City.objects.all()}
    deleted: dict[int, int] = {}
    partitions.finish_detached()
    if not cities:
        return deleted
    cutoffs = {pk: now - dt.timedelta(days=city.retention_days) for pk, city in cities.items()}
    for partition in partitions.expired_read_partitions(cutoff=min(cutoffs.values())):
        detached = f"{partitions.EXPIRED_PREFIX}{partition.name.removeprefix('cameras_read_p')}"
        with transaction.atomic(), connection.cursor() as cursor:
            # Checks this transaction owes go now: a table with pending trigger events cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The parent's lock first: no hold can be placed on this month's reads meanwhile.
            cursor.execute(f'LOCK TABLE "{partitions.PARENT}" IN ACCESS EXCLUSIVE MODE')
            cursor.execute(f'ALTER TABLE "{partitions.PARENT}" DETACH PARTITION "{partition.name}"')
            cursor.execute(f'ALTER TABLE "{partition.name}" RENAME TO "{detached}"')
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'f'",
                [detached],
            )
            for (name,) in cursor.fetchall():  # the frames it pointed at may now be purged
                cursor.execute(f'ALTER TABLE "{detached}" DROP CONSTRAINT "{name}"')
            # Held reads stay, with their ids (their hits still point at them): the month detached,
            # its range now belongs to the default partition.
            cursor.execute(
                f'WITH kept AS (INSERT INTO "{partitions.PARENT}" SELECT * FROM "{detached}" '
                "WHERE evidence_case_number <> '' RETURNING city_id) "
                "SELECT city_id, count(*) FROM kept GROUP BY city_id"
            )
            held = dict(cursor.fetchall())
            cursor.execute(f"DELETE FROM \"{detached}\" WHERE evidence_case_number <> ''")
            cursor.execute(
                f'WITH gone AS (DELETE FROM cameras_hit h USING "{detached}" r WHERE h.read_id = r.id '
                f"RETURNING h.city_id) SELECT city_id, count(*) FROM gone GROUP BY city_id"
            )
            hits = dict(cursor.fetchall())
            cursor.execute(
                f'SELECT city_id, count(*), min(captured_at), max(captured_at) FROM "{detached}" GROUP BY city_id'
            )
            for city_id, count, oldest, newest in cursor.fetchall():
                retention_record(
                    city=cities[city_id],
                    run_id=run_id,
                    method=PurgeMethod.PARTITION,
                    partition=partition.name,
                    cutoff=cutoffs[city_id],
                    reads_deleted=count,
                    frames_deleted=0,
                    reads_held=held.get(city_id, 0),
                    oldest=oldest,
                    newest=newest,
                    hits_deleted=hits.get(city_id, 0),
                )
                deleted[city_id] = deleted.get(city_id, 0) + count
        partitions.finish_detached()
    return deleted
