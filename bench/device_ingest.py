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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fixtures import bench_city, django_ready, percentile, random_plate  # noqa: E402


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
    django_ready(args.database_url)  # no Redis, no live push needed: matching on commit still runs
    from django.test import Client
    from django.utils import timezone

    from cameras.services import camera_create
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
        return random_plate(rng)

    bench = bench_city(slug="bench-edge", name="Bench Edge", rng=rng, hotlist_size=10_000)
    city, chief = bench.city, bench.chief
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
