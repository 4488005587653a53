"""Reads partitioned by month (PostgreSQL): creation ahead, retention by partition, the conversion."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audits.models import AuditEvent
from cameras import partitions
from cameras.models import Hit, HotlistEntry, HotlistSource, MatchKind, Read, RetentionPurge
from cameras.services import hotlist_create, hotlist_entry_add, reads_match
from cameras.tasks import create_read_partitions, purge_expired_reads
from portal.roles import Role
from tests.factories import CameraFactory, city_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitioning is PostgreSQL's"),
]


def partition_of(read) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM cameras_read WHERE id = %s", [read.pk])
        return cursor.fetchone()[0]


def make_read(camera, captured_at, plate="AAA111", **extra):
    return Read.all_cities.create(
        city=camera.city,
        camera=camera,
        source="device",
        plate=plate,
        confidence=0.9,
        captured_at=captured_at,
        **extra,
    )


def months_ago(count: int) -> dt.datetime:
    """The 15th of the month ``count`` months before this one, at noon UTC."""
    today = timezone.now().astimezone(dt.UTC)
    month = today.year * 12 + today.month - 1 - count
    return dt.datetime(month // 12, month % 12 + 1, 15, 12, tzinfo=dt.UTC)


def test_reads_land_in_the_partition_of_their_month(city_a):
    assert partitions.reads_are_partitioned()
    read = make_read(CameraFactory(city=city_a), timezone.now())
    assert partition_of(read) == f"cameras_read_p{timezone.now().astimezone(dt.UTC):%Y%m}"


def test_the_beat_task_creates_months_ahead_once(city_a):
    now = timezone.now()
    names = {partition.name for partition in partitions.read_partitions()}
    far = partitions._month_start(now + dt.timedelta(days=31 * 5))
    assert f"cameras_read_p{far:%Y%m}" not in names
    created = partitions.ensure_read_partitions(now=now, months_ahead=5)
    assert f"cameras_read_p{far:%Y%m}" in created
    assert partitions.ensure_read_partitions(now=now, months_ahead=5) == []
    assert create_read_partitions() == []  # three months ahead already exist


def test_a_new_month_takes_its_reads_out_of_the_default_partition(city_a):
    camera = CameraFactory(city=city_a)
    later = timezone.now() + dt.timedelta(days=31 * 8)
    read = make_read(camera, later)
    assert partition_of(read) == partitions.DEFAULT_PARTITION
    partitions.ensure_read_partitions(now=later, months_ahead=0)
    assert partition_of(read) == f"cameras_read_p{later.astimezone(dt.UTC):%Y%m}"
    assert Read.all_cities.filter(pk=read.pk).count() == 1


@pytest.fixture
def listed(city_a):
    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(city=city_a, by=clerk, name="Stolen", source=HotlistSource.MANUAL, priority=2)
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen 26-7")
    return hotlist


def test_retention_drops_whole_expired_months_with_a_record_per_city(city_a, city_b, listed):
    partitions.ensure_read_partitions(months_behind=4)
    camera, other = CameraFactory(city=city_a), CameraFactory(city=city_b)
    dropped_month = partitions._month_partition(partitions._month_start(months_ago(3)))
    old = [make_read(camera, months_ago(3), plate="ABC1234"), make_read(camera, months_ago(3), plate="OLD2")]
    old_b = make_read(other, months_ago(3), plate="OLDB")
    held = make_read(camera, months_ago(2), plate="ABC1234", evidence_case_number="26-0042")
    beside_held = make_read(camera, months_ago(2), plate="OLD3")
    recent = make_read(camera, timezone.now(), plate="NEW1")
    reads_match(city=city_a, read_ids=[old[0].pk])
    assert Hit.all_cities.filter(read_id=old[0].pk).count() == 1

    reads_match(city=city_a, read_ids=[held.pk])
    held_month = partitions._month_partition(partitions._month_start(months_ago(2)))

    result = purge_expired_reads()

    assert result == {city_a.slug: 3, city_b.slug: 1}
    names = {partition.name for partition in partitions.read_partitions()}
    assert dropped_month.name not in names and held_month.name not in names
    # The held read survives its month, same id, in the default partition; so does its hit.
    assert partition_of(held) == partitions.DEFAULT_PARTITION
    assert set(Read.all_cities.values_list("pk", flat=True)) == {held.pk, recent.pk}
    assert Read.all_cities.get(pk=held.pk).evidence_case_number == "26-0042"
    assert set(Hit.all_cities.values_list("read_id", flat=True)) == {held.pk}
    steps = RetentionPurge.all_cities.filter(city=city_a, method="partition").order_by("partition")
    assert [(step.partition, step.reads_deleted, step.reads_held) for step in steps] == [
        (dropped_month.name, 2, 0),
        (held_month.name, 1, 1),
    ]
    assert RetentionPurge.all_cities.get(city=city_b, method="partition").reads_deleted == 1
    batch = RetentionPurge.all_cities.get(city=city_a, method="batch")
    assert (batch.reads_deleted, batch.reads_held) == (0, 1) and batch.run_id == steps[0].run_id
    event = AuditEvent.objects.get(
        city=city_a, event_type="retention.purged", details__partition=dropped_month.name
    )
    assert event.details["hits_deleted"] == 1 and "ABC1234" not in str(event.details)
    assert beside_held.pk not in set(Read.all_cities.values_list("pk", flat=True))
    assert old_b.pk not in set(Read.all_cities.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'cameras_read_expired_%%'")
        assert cursor.fetchone()[0] == 0  # detached months are dropped, not left behind


def test_a_city_with_a_longer_window_keeps_the_month(city_a, city_b):
    city_b.retention_days = 365
    city_b.save(update_fields=["retention_days"])
    partitions.ensure_read_partitions(months_behind=4)
    old_a = make_read(CameraFactory(city=city_a), months_ago(3))
    old_b = make_read(CameraFactory(city=city_b), months_ago(3))
    assert purge_expired_reads() == {city_a.slug: 1, city_b.slug: 0}
    assert partition_of(old_b) == f"cameras_read_p{months_ago(3):%Y%m}"
    assert not Read.all_cities.filter(pk=old_a.pk).exists()
    assert not RetentionPurge.all_cities.filter(method="partition").exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_a_populated_table_without_losing_a_row(city_a, listed):
    from django.db.migrations.executor import MigrationExecutor

    before = [("cameras", "0007_retention_in_batches")]
    camera = CameraFactory(city=city_a)  # with today's models, before going back
    entry = HotlistEntry.all_cities.get(hotlist=listed)
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    assert not partitions.reads_are_partitioned()
    try:
        # The schema is 0007's now: rows are written with the models of that state, not today's
        # (whose later columns, such as ``Frame.unsent`` of cameras 0010, it does not have).
        old = executor.loader.project_state(before).apps
        OldRead, OldHit = old.get_model("cameras", "Read"), old.get_model("cameras", "Hit")

        def old_read(captured_at, plate, **extra):
            return OldRead.objects.create(
                city_id=city_a.pk,
                camera_id=camera.pk,
                source="device",
                plate=plate,
                confidence=0.9,
                captured_at=captured_at,
                **extra,
            )

        reads = [old_read(months_ago(months), "ABC1234") for months in (0, 1, 7, 30)]
        reads.append(old_read(months_ago(1), "HELD1", evidence_case_number="26-1"))
        for read in reads:
            if read.plate == entry.plate:
                OldHit.objects.create(
                    city_id=city_a.pk,
                    read_id=read.pk,
                    entry_id=entry.pk,
                    hotlist_id=listed.pk,
                    match_kind=MatchKind.EXACT,
                    listed_plate=entry.plate,
                    listed_state=entry.state,
                    reason=entry.reason,
                    priority=listed.priority,
                )
        rows = set(
            OldRead.objects.values_list("pk", "public_id", "plate", "captured_at", "evidence_case_number")
        )
        hits = set(OldHit.objects.values_list("pk", "read_id"))
        assert len(rows) == 5 and len(hits) == 4
    finally:
        # Forward to every app's latest migration, not cameras 0008 alone: going back unapplied the
        # migrations that depend on the conversion (row-level security, later indexes) as well.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.reads_are_partitioned()
    assert (
        set(Read.all_cities.values_list("pk", "public_id", "plate", "captured_at", "evidence_case_number"))
        == rows
    )
    assert set(Hit.all_cities.values_list("pk", "read_id")) == hits
    # Older than two years at conversion: kept, in the default partition; the others in their months.
    assert partition_of(reads[3]) == partitions.DEFAULT_PARTITION
    assert partition_of(reads[2]) == f"cameras_read_p{months_ago(7):%Y%m}"
    newer = make_read(camera, timezone.now(), plate="NEW1")
    assert newer.pk > max(pk for pk, *_ in rows)  # the id sequence carried on
