"""Retention at scale: expire 3 million reads of a larger city through the real ``retention_purge``.

Builds a city in a database of its own (created here, dropped at the end unless ``--keep``): reads
spread over 60 days with a 30-day retention, so ``--expired`` of them are past the cutoff and
``--live`` are not; one expired read in a thousand has a hit, one in ten thousand is held as
evidence. Then times the daily task (``purge_expired_reads``: whole partitions first where reads are
partitioned, then bounded batches) and prints the peak resident memory of this process.

    nice -n 10 .venv/bin/python bench/retention_scale.py --expired 3000000 --live 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/steward_bench_retention"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create_database(url: str) -> str:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("steward_bench"):
        sys.exit(f"refusing to benchmark in database {name!r}: its name must start with steward_bench")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin


def drop_database(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(connection, city_id: int, camera_ids: list[int], hotlist, expired: int, live: int) -> None:
    """Reads in SQL; ``days`` 31-60 are expired under a 30-day retention, 0-29 are not."""
    with connection.cursor() as cursor:
        # Secondary indexes (not those of constraints) are dropped for the load and rebuilt after it.
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = 'cameras_read'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SET synchronous_commit = off")
        for count, low, high in ((expired, 31, 60), (live, 0, 29)):
            for start in range(0, count, 1_000_000):
                cursor.execute(
                    """
                    INSERT INTO cameras_read (public_id, city_id, camera_id, position, source, captured_at,
                        plate, raw_text, confidence, crop, vehicle_colour, evidence_case_number, created_at,
                        matched_at)
                    SELECT gen_random_uuid(), %(city)s, (%(cameras)s::bigint[])[1 + (n %% %(ncams)s)], 0,
                        'frame', now() - make_interval(days => %(low)s)
                            - random() * make_interval(days => %(span)s),
                        'P' || lpad((n %% 9999999)::text, 7, '0'), '', 0.9, '', '',
                        CASE WHEN n %% 10000 = 0 THEN 'CASE-' || n ELSE '' END, now(), now()
                    FROM generate_series(%(first)s, %(last)s) AS n
                    """,
                    {
                        "city": city_id,
                        "cameras": camera_ids,
                        "ncams": len(camera_ids),
                        "low": low,
                        "span": high - low,
                        "first": start + 1 + (0 if low else 10**8),
                        "last": start + min(1_000_000, count - start) + (0 if low else 10**8),
                    },
                )
        # One read in a thousand has a hit (0.1%, the middle of the 0.03-0.2% quoted for hits).
        cursor.execute(
            """
            INSERT INTO cameras_hit (public_id, city_id, read_id, hotlist_id, match_kind, listed_plate,
                listed_state, reason, priority, status, disposition, action_taken, created_at)
            SELECT gen_random_uuid(), city_id, id, %s, 'exact', plate, 'WA', 'bench', 2, 'new', '', '', now()
            FROM cameras_read WHERE city_id = %s AND id %% 1000 = 0
            """,
            [hotlist.pk, city_id],
        )
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:  # on a partitioned table: ON ONLY would leave the months out
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--expired", type=int, default=3_000_000)
    parser.add_argument("--live", type=int, default=1_000_000)
    parser.add_argument(
        "--batches-only",
        action="store_true",
        help="bounded batches only (no partition drops): the worst case",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    admin = create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cameras.models import Camera, Hit, HotlistSource, Read, RetentionPurge
    from cameras.services import hotlist_create
    from cameras.tasks import purge_expired_reads
    from portal.models import Agency, AgencyKind, City, PolicyPreset, User
    from portal.roles import Role
    from portal.tenancy import city_scope

    try:
        call_command("migrate", verbosity=0)
        agency = Agency.objects.create(name="Bench PD", kind=AgencyKind.LOCAL, state="WA")
        city = City.objects.create(
            slug="bench-city",
            name="Bench City",
            state="WA",
            policy_preset=PolicyPreset.WASHINGTON,
            retention_days=30,
            own_agency=agency,
        )
        clerk = User.objects.create(username="bench-clerk", city=city, agency=agency, role=Role.CLERK)
        hotlist = hotlist_create(city=city, by=clerk, name="Bench", source=HotlistSource.MANUAL, priority=2)
        with city_scope(city):
            cameras = [
                Camera.objects.create(name=f"Camera {index:02d}", latitude="47.3", longitude="-122.2").pk
                for index in range(50)
            ]
        try:
            from cameras import partitions
        except ImportError:  # before reads were partitioned
            partitions = None
        partitioned = partitions is not None and partitions.reads_are_partitioned()
        if partitioned:
            partitions.ensure_read_partitions(months_behind=3)
        t0 = time.perf_counter()
        load(connection, city.pk, cameras, hotlist, args.expired, args.live)
        print(
            f"loaded {args.expired + args.live:,} reads ({args.expired:,} expired) in {time.perf_counter() - t0:.0f} s"
        )
        with city_scope(city):
            held = Read.objects.exclude(evidence_case_number="").count()
            hits = Hit.objects.count()
        rss_before = rss_mb()
        t0 = time.perf_counter()
        if args.batches_only:
            from cameras.services import retention_purge

            result = {"bench-city": retention_purge(city=city).reads_deleted}
        else:
            result = purge_expired_reads()
        seconds = time.perf_counter() - t0
        with city_scope(city):
            remaining = Read.objects.count()
            remaining_held = Read.objects.exclude(evidence_case_number="").count()
            steps = list(RetentionPurge.objects.values_list("method", "reads_deleted"))
        deleted = result["bench-city"]
        print(
            f"partitioned reads: {partitioned}; batches only: {args.batches_only}; PostgreSQL {connection.pg_version // 10000}; {os.cpu_count()} CPUs"
        )
        print(
            f"expired {deleted:,} reads (and their hits: {hits:,} hits before) in {seconds:.1f} s "
            f"= {deleted / seconds:,.0f} reads/s; {len(steps)} records "
            f"({sum(1 for method, _ in steps if method == 'partition')} partition drops)"
        )
        print(f"held reads kept: {remaining_held} of {held}; reads left: {remaining:,}")
        print(f"peak RSS of this process: {rss_mb():.0f} MB (before the purge: {rss_before:.0f} MB)")
        ok = seconds < 10 and rss_mb() < 300 and remaining_held == held
        ok = ok and remaining == args.live + args.expired - deleted
        print(
            "goal (< 10 s, < 300 MB, every held read kept, every live read kept):", "met" if ok else "NOT met"
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database(admin, urlparse(url).path.lstrip("/"))


if __name__ == "__main__":
    main()
