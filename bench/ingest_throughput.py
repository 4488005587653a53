#!/usr/bin/env python
"""Batched device-read ingest in this process (no HTTP socket, no Daphne): Steward's own cost per
batch through Django's full request handling, against PostgreSQL with a 100,000-entry hotlist.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench_ingest \
      .venv/bin/python bench/ingest_throughput.py --batch 100 --requests 100 [--profile]

The figure to compare with ``bench/hit_latency.py --batch`` (which adds HTTP, Daphne and
concurrent senders); ``--profile`` prints where the time goes (cProfile, top functions).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fixtures import bench_city, django_ready, random_plate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--hit-rate", type=float, default=0.001)
    parser.add_argument("--hotlist-size", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_ingest"
        ),
    )
    args = parser.parse_args()
    django_ready(args.database_url)
    from django.test import Client
    from django.utils import timezone

    from cameras.models import Hit, Read

    rng = random.Random(5)

    def plate() -> str:
        return random_plate(rng)

    # The city and its hotlist are kept between runs (a new camera each run).
    bench = bench_city(
        slug="bench-ingest",
        name="Bench Ingest",
        rng=rng,
        hotlist_size=args.hotlist_size,
        fresh=False,
        camera_name=f"Bench camera {time.time():.3f}",
    )
    city, camera, key, listed = bench.city, bench.camera, bench.camera_key, bench.listed
    rng.seed(time.time_ns())  # fresh plates each run (the seeded ones made the hotlist)
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Camera {key}")
    url = f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/reads/"
    base = timezone.now() - dt.timedelta(hours=1)
    counter = iter(range(10**9))
    hits_wanted = 0

    def body() -> str:
        nonlocal hits_wanted
        reads = []
        for _ in range(args.batch):
            if rng.random() < args.hit_rate:
                value = rng.choice(listed)
                hits_wanted += 1
            else:
                value = "7" + plate()[1:]  # never listed: no listed plate starts with (a letter folding to) 7
            moment = base + dt.timedelta(milliseconds=next(counter))
            reads.append({"plate": value, "confidence": 0.9, "captured_at": moment.isoformat()})
        return json.dumps({"reads": reads})

    for _ in range(3):
        client.post(url, data=body(), content_type="application/json")
    hits_before = Hit.all_cities.filter(read__camera=camera).count()
    hits_wanted = 0
    bodies = [body() for _ in range(args.requests)]
    times = []

    def go() -> None:
        for data in bodies:
            t0 = time.perf_counter()
            response = client.post(url, data=data, content_type="application/json")
            times.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 201:
                raise SystemExit(f"{response.status_code} {response.content[:300]!r}")

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = open(f"/proc/{backend}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    cpu_started, backend_started = time.process_time(), backend_cpu()
    started = time.perf_counter()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(go)
        elapsed = time.perf_counter() - started
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            r"^(?!.*site-packages).*(cameras|portal|audits)/", 30
        )
    else:
        go()
        elapsed = time.perf_counter() - started
    reads = args.requests * args.batch
    python_cpu, database_cpu = time.process_time() - cpu_started, backend_cpu() - backend_started
    stored = Read.all_cities.filter(camera=camera).count()
    hits = Hit.all_cities.filter(read__camera=camera).count() - hits_before
    times.sort()
    print(
        f"batch {args.batch}: {reads} reads in {elapsed:.2f} s = {reads / elapsed:.0f} reads/s; "
        f"request p50 {statistics.median(times):.1f} ms p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms; "
        f"stored {stored}; hits {hits} of {hits_wanted} listed reads"
    )
    print(
        f"CPU: Django {python_cpu:.2f} s + PostgreSQL {database_cpu:.2f} s = "
        f"{1000 * (python_cpu + database_cpu) / reads:.3f} ms per read, "
        f"{reads / (python_cpu + database_cpu):.0f} reads per CPU-second "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
