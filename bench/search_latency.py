"""Search latency: full-plate and partial-plate searches over 30 days through the real selector.

Builds (or reuses) a city with N reads in its own PostgreSQL database (never the test database),
then times ``sharing.selectors.reads_visible_to`` (the one place reads leave a city) and, for
reference, the whole ``search_run`` use case (policy engine + query + Search row + audit entry).

    .venv/bin/python bench/search_latency.py --reads 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench .venv/bin/python bench/search_latency.py

Reads are generated in SQL (``generate_series``), each month's share inserted straight into its
partition, with the secondary indexes and the unique constraints other than the primary key dropped
during the load and built afterwards (``load_reads``). Plates come from a pool of vehicles (each seen about 20 times in 30
days), spread over 50 cameras and the last 30 days. ``--reuse`` skips the load when the city
already holds that many reads.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/steward_bench"
CITY_SLUG = "bench-city"
CAMERAS = 50
PLATE_SPACE = 26**3 * 10**4  # LLLDDDD


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or name in ("steward", "postgres") or name.startswith("test_"):
        sys.exit(f"refusing to benchmark in database {name!r}: use a database of its own, e.g. steward_bench")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()


def prepare_city(reads: int, reuse: bool):
    from django.core.management import call_command
    from django.db import connection

    from cameras.models import Camera, Read
    from portal.models import Agency, AgencyKind, City, PolicyPreset, User
    from portal.roles import Role
    from portal.tenancy import city_scope

    call_command("migrate", verbosity=0)
    from cameras import partitions

    # The load spreads reads over the last 30 days: the months it touches exist before it.
    partitions.ensure_read_partitions(months_behind=2)
    agency, _ = Agency.objects.get_or_create(
        name="Bench City Police Department", defaults={"kind": AgencyKind.LOCAL, "state": "WA"}
    )
    city, _ = City.objects.get_or_create(
        slug=CITY_SLUG,
        defaults={
            "name": "Bench City",
            "state": "WA",
            "policy_preset": PolicyPreset.WASHINGTON,
            "retention_days": 30,
            "own_agency": agency,
        },
    )
    officer, _ = User.objects.get_or_create(
        username="bench-officer", defaults={"city": city, "agency": agency, "role": Role.OFFICER}
    )
    with city_scope(city):
        for index in range(Camera.objects.count(), CAMERAS):
            Camera.objects.create(name=f"Camera {index:02d}", latitude="47.3", longitude="-122.2")
        camera_ids = list(Camera.objects.order_by("pk").values_list("pk", flat=True))
        existing = Read.objects.count()
    if reuse and existing == reads:
        print(f"reusing {existing:,} reads in city {CITY_SLUG}")
        return city, officer
    load_seconds = load_reads(connection, city.pk, camera_ids, reads)
    print(f"loaded {reads:,} reads in {load_seconds:.0f} s (including index builds and ANALYZE)")
    return city, officer


def load_reads(connection, city_id: int, camera_ids: list[int], reads: int) -> float:
    """Replace the city's reads by ``reads`` generated ones, spread over the last 30 days.

    Built for size: the secondary indexes and the two unique constraints other than the primary key
    are dropped for the load and made again after it (one sorted build each instead of a random
    insert per row); each month's share is inserted straight into its partition (no routing per
    row), in statements of ``CHUNK`` rows, with the foreign-key triggers off (every row names the
    city and one of its cameras); then ``ANALYZE``."""
    from cameras import partitions

    started = time.perf_counter()
    vehicles = max(reads // 20, 1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM cameras_read WHERE city_id <> %s)", [city_id])
        if cursor.fetchone()[0]:
            cursor.execute("DELETE FROM cameras_read WHERE city_id = %s", [city_id])
        else:
            cursor.execute("TRUNCATE cameras_read")  # only this city's reads: the same, and at once
        cursor.execute(
            """
            SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
            WHERE c.conrelid = 'cameras_read'::regclass AND c.contype = 'u'
            """
        )
        constraints = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE cameras_read DROP CONSTRAINT "{name}"')
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
        try:
            _insert_reads(cursor, partitions, city_id, camera_ids, reads, vehicles, started)
        finally:
            # Rebuilt even when the load fails: a failed load must not leave the table without them.
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in constraints:
                t0 = time.perf_counter()
                cursor.execute(f'ALTER TABLE cameras_read ADD CONSTRAINT "{name}" {definition}')
                print(f"  constraint {name} made again ({time.perf_counter() - t0:.0f} s)", flush=True)
            for name, definition in indexes:
                t0 = time.perf_counter()
                cursor.execute(definition.replace(" ON ONLY ", " ON "))  # partitioned: every month too
                print(f"  index {name} rebuilt ({time.perf_counter() - t0:.0f} s)", flush=True)
        cursor.execute("ANALYZE cameras_read")
    return time.perf_counter() - started


CHUNK = 2_000_000


def _insert_reads(
    cursor, partitions, city_id: int, camera_ids: list[int], reads: int, vehicles: int, started: float
) -> None:
    import datetime as dt

    from django.utils import timezone

    cursor.execute("SET synchronous_commit = off")
    # Foreign-key checks off for this session's statements (superuser): each generated row names
    # the city and one of its cameras, taken from the database just before.
    cursor.execute("SET session_replication_role = replica")
    end = timezone.now()
    begin = end - dt.timedelta(days=30)
    months = [m for m in partitions.read_partitions() if m.end > begin and m.start < end]
    window = (end - begin).total_seconds()
    done = 0
    try:
        for index, month in enumerate(months):
            low, high = max(month.start, begin), min(month.end, end)
            share = (high - low).total_seconds() / window
            in_month = reads - done if index == len(months) - 1 else round(reads * share)
            for offset in range(0, in_month, CHUNK):
                count = min(CHUNK, in_month - offset)
                # vehicle -> plate: a scrambled LLLDDDD so that plates spread over the whole space.
                cursor.execute(
                    f"""
                    INSERT INTO "{month.name}" (public_id, city_id, camera_id, frame_id, position, source,
                                          captured_at, plate, raw_text, confidence, crop, vehicle_colour,
                                          evidence_case_number, created_at, matched_at, candidates,
                                          device_event_id, region, read_status)
                    SELECT gen_random_uuid(), %(city)s,
                           (%(cameras)s::bigint[])[1 + floor(random() * %(ncams)s)::int],
                           NULL, 0, 'frame', %(low)s + random() * %(span)s,
                           chr(65 + ((p / 6760000) %% 26)::int) || chr(65 + ((p / 260000) %% 26)::int)
                             || chr(65 + ((p / 10000) %% 26)::int) || lpad((p %% 10000)::text, 4, '0'),
                           '', 0.9, '', (ARRAY['white','black','silver','red','blue','grey'])[1 + floor(random() * 6)::int],
                           '', now(), now(), '[]'::jsonb, '', '', 'read'
                    FROM (
                        SELECT ((floor(random() * %(vehicles)s)::bigint * 2654435761) %% %(space)s) AS p
                        FROM generate_series(1, %(count)s)
                    ) AS vehicle
                    """,
                    {
                        "city": city_id,
                        "cameras": camera_ids,
                        "ncams": len(camera_ids),
                        "low": low,
                        "span": high - low,
                        "vehicles": vehicles,
                        "space": PLATE_SPACE,
                        "count": count,
                    },
                )
                done += count
                print(f"  {done:,} reads ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_runs(label: str, queries: list, run) -> dict:
    for query in queries[:10]:  # warm-up
        run(query)
    timings, rows = [], []
    for query in queries:
        t0 = time.perf_counter()
        rows.append(run(query))
        timings.append((time.perf_counter() - t0) * 1000)
    slowest = max(range(len(timings)), key=timings.__getitem__)
    result = {
        "label": label,
        "n": len(timings),
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "max": max(timings),
        "rows": statistics.median(rows),
    }
    print(
        f"{label:<34} n={result['n']:<4} p50={result['p50']:7.1f} ms  p95={result['p95']:7.1f} ms  "
        f"max={result['max']:7.1f} ms ({queries[slowest].plate})  median rows={result['rows']:.0f}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=10_000_000)
    parser.add_argument("--searches", type=int, default=200, help="timed searches of each kind")
    parser.add_argument("--reuse", action="store_true", help="keep the reads if the city already has --reads")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--json", help="append this run's figures, one JSON line, to this file (for the curves)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    setup_django(url)

    from django.db import connection

    from cameras.models import Read
    from portal.tenancy import city_scope
    from sharing.grants import grant_for
    from sharing.selectors import ReadQuery, reads_visible_to
    from sharing.services import search_run

    city, officer = prepare_city(args.reads, args.reuse)
    random.seed(args.seed)
    with city_scope(city), connection.cursor() as cursor:
        cursor.execute(
            "SELECT plate FROM cameras_read TABLESAMPLE SYSTEM (1) WHERE city_id = %s LIMIT 5000", [city.pk]
        )
        plates = [row[0] for row in cursor.fetchall()] or list(
            Read.objects.values_list("plate", flat=True)[:5000]
        )
    random.shuffle(plates)
    full = [ReadQuery(plate=plate) for plate in plates[: args.searches]]
    partial: dict[int, list[ReadQuery]] = {3: [], 4: [], 5: []}
    for index, plate in enumerate(plates[args.searches : args.searches * 4]):
        length = 3 + index % 3
        start = random.randrange(0, len(plate) - length + 1)
        partial[length].append(ReadQuery(plate=plate[start : start + length], partial=True))
    missing = [ReadQuery(plate=f"ZZ{index:05d}") for index in range(args.searches)]

    def select(query: ReadQuery) -> int:
        return len(list(reads_visible_to(grant=grant_for(officer, city), query=query).reads))

    purpose = {
        "reason": "Armed robbery at the 5th Ave pharmacy on 3 May, suspect vehicle seen leaving",
        "offense_type": "robbery",
        "case_number": "2026-004512",
    }

    def use_case(query: ReadQuery) -> int:
        return search_run(grant=grant_for(officer, city), query=query, **purpose).search.result_count

    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs; "
        f"reads in city: {args.reads:,}; PostgreSQL {connection.pg_version // 10000}"
    )
    results = [
        time_runs("selector, full plate", full, select),
        time_runs("selector, full plate (no match)", missing, select),
        time_runs("selector, partial plate, 3 chars", partial[3], select),
        time_runs("selector, partial plate, 4 chars", partial[4], select),
        time_runs("selector, partial plate, 5 chars", partial[5], select),
        time_runs("search_run, full plate (+ audit)", full[:50], use_case),
    ]
    from cameras import partitions

    print(f"partitioned: {partitions.reads_are_partitioned()} ({len(partitions.read_partitions())} months)")
    print(
        "goals at this size: full plate p95 < 50 ms:",
        "met" if results[0]["p95"] < 50 else "NOT met",
        "; partial p95 < 100 ms:",
        "met" if all(result["p95"] < 100 for result in results[2:5]) else "NOT met",
    )
    if args.json:
        import json

        with open(args.json, "a") as out:
            out.write(json.dumps({"bench": "search", "reads": args.reads, "results": results}) + "\n")


if __name__ == "__main__":
    main()
