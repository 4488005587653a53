#!/usr/bin/env python
"""Edge device ingest throughput: each adapter next to the native reads endpoint, in one run.

Every request goes through Django's full request handling (middleware, city scope, camera key,
the adapter, the one read ingest use case, the commit and hotlist matching on commit) against
PostgreSQL, in this process and one request at a time (no HTTP socket: the figure is Steward's
own cost per request). Payloads are the documented shapes (tests/cameras/device_payloads) with a
fresh plate and event id per request.

    python bench/device_ingest.py --requests 300

Kinds measured: native batch (1 read and 100 reads per request), OpenALPR ``alpr_results``,
``alpr_group`` with its base64 plate crop, ``heartbeat``, Plate Recognizer Stream JSON,
Snapshot multipart with the frame (the plate is cut from it), AXIS LPV JSON. Needs PostgreSQL
(default database ``steward_bench_edge``, created and migrated if absent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="requests per kind")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_edge"),
    )
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="portal.settings", LOG_LEVEL="WARNING"
    )
    os.environ.pop("REDIS_URL", None)  # no live push needed: matching on commit still runs
    ensure_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from cameras.models import HotlistEntry, HotlistSource, confusion_key
    from cameras.services import camera_create, hotlist_create
    from portal.models import City, User
    from portal.roles import Role
    from tests.cameras.conftest import jpeg_of
    from tests.cameras.device_payloads import (
        alpr_group,
        alpr_heartbeat,
        alpr_results,
        axis_event,
        pr_snapshot,
        pr_stream,
    )
    from tests.recognition.synth import car_scene

    rng = random.Random(11)

    def plate() -> str:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "".join(
            rng.choice(string.digits) for _ in range(4)
        )

    City.objects.filter(slug="bench-edge").update(slug=f"bench-edge-old-{int(time.time())}")
    city = City.objects.create(slug="bench-edge", name="Bench Edge", state="WA", retention_days=21)
    chief = User.objects.create(username=f"bench-edge-chief-{city.pk}", city=city, role=Role.CHIEF)
    hotlist = hotlist_create(
        city=city, by=chief, name="Bench list", source=HotlistSource.STATE_NCIC, priority=3
    )
    listed = sorted({plate() for _ in range(10_000)})
    HotlistEntry.all_cities.bulk_create(
        [
            HotlistEntry(
                city=city,
                hotlist=hotlist,
                plate=p,
                plate_key=confusion_key(p),
                state="WA",
                reason="bench",
                added_by=chief,
            )
            for p in listed
        ],
        batch_size=5_000,
    )
    scene, (x, y, w, h) = car_scene("ABC1234")
    frame_jpeg, crop_jpeg = jpeg_of(scene), jpeg_of(scene[y : y + h, x : x + w])
    base = timezone.now() - dt.timedelta(hours=1)
    counter = iter(range(10**9))

    def moment() -> dt.datetime:
        return base + dt.timedelta(milliseconds=next(counter) * 3)

    def native(batch: int):
        def build():
            reads = [
                {"plate": plate(), "confidence": 0.9, "captured_at": moment().isoformat()}
                for _ in range(batch)
            ]
            return "reads", {"data": json.dumps({"reads": reads}), "content_type": "application/json"}, batch

        return build

    def as_json(path, body, reads):
        return path, {"data": json.dumps(body), "content_type": "application/json"}, reads

    def group():
        body = alpr_group(moment(), crop_jpeg)
        body["best_plate_number"] = plate()
        return as_json("devices/openalpr", body, 1)

    def results():
        body = alpr_results(moment())
        body["results"][0]["plate"] = plate()
        return as_json("devices/openalpr", body, 1)

    def heartbeat():
        return as_json("devices/openalpr", alpr_heartbeat(moment()), 0)

    def stream():
        body = pr_stream(moment())
        body["data"]["results"][0]["plate"] = plate()
        return as_json("devices/platerecognizer-stream", body, 1)

    def snapshot():
        body = pr_snapshot(moment(), box={"xmin": x, "ymin": y, "xmax": x + w, "ymax": y + h})
        body["data"]["results"][0]["plate"] = plate()
        upload = io.BytesIO(frame_jpeg)
        upload.name = "car.jpg"
        return "devices/platerecognizer-snapshot", {"data": {"json": json.dumps(body), "upload": upload}}, 1

    def axis():
        return as_json("devices/axis-lpv", axis_event(moment(), plate=plate(), car_id=next(counter)), 1)

    kinds = [
        ("native reads, 1 per request", native(1)),
        ("native reads, 100 per request", native(100)),
        ("OpenALPR alpr_results", results),
        ("OpenALPR alpr_group + base64 crop", group),
        ("OpenALPR heartbeat", heartbeat),
        ("Plate Recognizer Stream JSON", stream),
        ("Plate Recognizer Snapshot multipart + frame", snapshot),
        ("AXIS LPV JSON", axis),
    ]
    print(f"{'kind':46} {'req/s':>8} {'reads/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for label, build in kinds:
        camera, key = camera_create(
            city=city, by=chief, name=f"Bench {label}", latitude="47.3", longitude="-122.2"
        )
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Camera {key}")
        requests = args.requests if "100 per" not in label else max(10, args.requests // 10)
        prepared = [build() for _ in range(requests)]
        for path, kwargs, _count in [build() for _ in range(5)]:  # warm-up, not measured
            client.post(f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/{path}/", **kwargs)
        times, reads = [], 0
        started = time.perf_counter()
        for path, kwargs, count in prepared:
            target = f"/api/v1/c/{city.slug}/cameras/{camera.public_id}/{path}/"
            before = time.perf_counter()
            response = client.post(target, **kwargs)
            times.append((time.perf_counter() - before) * 1000)
            if response.status_code not in (200, 201):
                print(label, response.status_code, response.content[:300])
                return 1
            reads += count
        elapsed = time.perf_counter() - started
        print(
            f"{label:46} {requests / elapsed:8.1f} {reads / elapsed:9.1f} "
            f"{statistics.median(times):8.1f} {percentile(times, 0.95):8.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
