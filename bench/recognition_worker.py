#!/usr/bin/env python
"""Throughput of the Celery recognition worker, in frames per second, on this machine.

Frames from the benchmark set are stored through the real ingest use case, which queues one
``cameras.tasks.recognize_frame`` per frame on the ``recognition`` queue; a real worker (prefork,
``--concurrency`` processes, each loading the models once) recognises them and stores the reads.
The clock runs from the first frame queued to the last frame done, after a warm-up frame.

    python bench/recognition_worker.py --frames 40 --concurrency 1
    python bench/recognition_worker.py --frames 40 --concurrency 2

Needs PostgreSQL and Redis (database ``steward_bench_recognition``, Redis db 10 by default).
On a GPU host, set ``STEWARD_RECOGNITION_DEVICE=cuda`` in the environment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from hit_latency import ensure_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "alpr-bench" / "us-dev"))
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--recognizer", default="rapidocr", help="rapidocr (voting, the default) or plate")
    parser.add_argument("--batch", type=int, default=8, help="STEWARD_RECOGNITION_BATCH for the worker")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_recognition"
        ),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"))
    args = parser.parse_args()
    images = sorted(Path(args.data).glob("*.jpg"))
    if not images:
        print(f"no images under {args.data}")
        return 1

    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
        STEWARD_RECOGNIZER=args.recognizer,
        STEWARD_RECOGNITION_BATCH=str(args.batch),
    )
    ensure_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    import django

    django.setup()
    from django.utils import timezone

    from cameras.models import Frame, FrameStatus, Read
    from cameras.services import camera_create, frame_ingest
    from portal.models import City, User
    from portal.roles import Role

    City.objects.filter(slug="bench-recognition").update(slug=f"bench-recognition-old-{int(time.time())}")
    city = City.objects.create(slug="bench-recognition", name="Bench Recognition", state="WA")
    chief = User.objects.create(username=f"bench-recognition-chief-{city.pk}", city=city, role=Role.CHIEF)
    camera, _key = camera_create(city=city, by=chief, name="Bench camera", latitude="47", longitude="-122")

    log = open(REPO / "var" / "bench-recognition-worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "recognition",
            "-c",
            str(args.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=REPO,
        env=dict(os.environ),
        stdout=log,
        stderr=log,
    )
    try:
        from portal.celery import app

        for _ in range(120):
            if app.control.ping(timeout=0.5):
                break
        base = timezone.now() - dt.timedelta(minutes=30)

        def ingest(n: int, path: Path):
            frame, _ = frame_ingest(
                camera=camera, data=path.read_bytes(), captured_at=base + dt.timedelta(seconds=n)
            )
            return frame.pk

        def wait(ids: list[int], timeout: float) -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not Frame.all_cities.filter(pk__in=ids, status=FrameStatus.QUEUED).exists():
                    return
                time.sleep(0.2)
            raise TimeoutError("frames still queued")

        # Warm up every worker process (each loads the models on its first task).
        warm = [ingest(n, images[n % len(images)]) for n in range(args.concurrency)]
        wait(warm, 180)
        batch = [images[n % len(images)] for n in range(args.frames)]
        start = time.perf_counter()
        ids = [ingest(1000 + n, path) for n, path in enumerate(batch)]
        wait(ids, 60 + 10 * args.frames)
        elapsed = time.perf_counter() - start
        done = Frame.all_cities.filter(pk__in=ids, status=FrameStatus.DONE).count()
        reads = Read.all_cities.filter(frame_id__in=ids).count()
        print(f"frames: {len(ids)} ({done} recognised, {len(ids) - done} failed); reads stored: {reads}")
        print(
            f"worker: prefork, concurrency {args.concurrency}, recognizer {args.recognizer}, "
            f"batch {args.batch}, device "
            f"{os.environ.get('STEWARD_RECOGNITION_DEVICE', 'cpu')}; machine: {os.cpu_count()} CPUs"
        )
        print(
            f"throughput: {len(ids) / elapsed:.2f} frames/s ({elapsed / len(ids) * 1000:.0f} ms per frame, "
            f"{elapsed:.1f} s in all)"
        )
        return 0
    finally:
        worker.terminate()
        worker.wait(30)
        log.close()


if __name__ == "__main__":
    raise SystemExit(main())
