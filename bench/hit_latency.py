#!/usr/bin/env python
"""Hit latency: from a read accepted over HTTP to the hit message on dispatchers' WebSockets.

The full production path on this machine: Daphne (ASGI) accepts device reads, the read commits,
a real Celery worker matches it against a hotlist, the hit commits and is pushed through the
Redis channel layer to every connected dispatcher. ``--dispatchers`` clients stay connected the
whole time; latency is measured per hit from the HTTP response (read accepted) to the message
received by each client (same clock: one process).

    python bench/hit_latency.py --reads 2000 --hit-rate 0.05 --dispatchers 50
    python bench/hit_latency.py --reads 20000 --hit-rate 0.001 --batch 100 --daphnes 2   # ingest

Needs PostgreSQL and Redis (defaults: 127.0.0.1, database ``steward_bench_hits``, Redis db 12);
the database is created and migrated if absent and its bench city is replaced on each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import string
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def random_plate(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "".join(
        rng.choice(string.digits) for _ in range(4)
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--hit-rate", type=float, default=0.05, help="share of reads on the hotlist")
    parser.add_argument("--dispatchers", type=int, default=50)
    parser.add_argument("--hotlist-size", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=4, help="concurrent HTTP senders (cameras)")
    parser.add_argument(
        "--daphnes",
        type=int,
        default=1,
        help="Daphne processes; senders and dispatchers are spread over them",
    )
    parser.add_argument("--batch", type=int, default=1, help="reads per request (device batches: up to 500)")
    parser.add_argument(
        "--json", help="append this run's figures, one JSON line, to this file (for the curves)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_hits"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
    )
    ensure_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from cameras.models import HotlistEntry, HotlistSource, confusion_key
    from cameras.services import camera_create, hotlist_create
    from portal.models import City, User
    from portal.roles import Role

    rng = random.Random(7)
    City.objects.filter(slug="bench-hits").update(slug=f"bench-hits-old-{int(time.time())}")
    city = City.objects.create(slug="bench-hits", name="Bench Hits", state="WA", retention_days=21)
    chief = User.objects.create(username=f"bench-chief-{city.pk}", city=city, role=Role.CHIEF)
    camera, key = camera_create(city=city, by=chief, name="Bench camera", latitude="47.3", longitude="-122.2")
    hotlist = hotlist_create(
        city=city, by=chief, name="Bench list", source=HotlistSource.STATE_NCIC, priority=3
    )
    listed = sorted({random_plate(rng) for _ in range(args.hotlist_size)})
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
        batch_size=10_000,
    )
    from django.db import connection

    with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would give them
        cursor.execute("ANALYZE cameras_hotlistentry")
    cookies = []
    for n in range(args.dispatchers):
        dispatcher = User.objects.create(
            username=f"bench-dispatcher-{city.pk}-{n}", city=city, role=Role.DISPATCHER
        )
        client = Client()
        client.force_login(dispatcher)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)

    ports = [free_port() for _ in range(args.daphnes)]
    env = dict(os.environ)
    log = open(REPO / "var" / "bench-hit-latency.log", "wb")  # noqa: SIM115
    daphnes = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "portal.asgi:application"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=log,
        )
        for port in ports
    ]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            "default",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=log,
    )
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
        from portal.celery import app

        for _ in range(60):
            if app.control.ping(timeout=0.5):
                break
        return run(args, rng, city, camera, key, listed, cookies, bases, [d.pid for d in daphnes])
    finally:
        for process in [*daphnes, worker]:
            process.terminate()
        for process in [*daphnes, worker]:
            process.wait(20)
        log.close()


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (Linux /proc; gone ones left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


def server_processes(daphne_pids: list[int]) -> tuple[list[int], list[int]]:
    """The Daphne processes and the PostgreSQL backends serving this bench's database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return daphne_pids, [row[0] for row in cursor.fetchall()]


def run(args, rng, city, camera, key, listed, cookies, bases, daphne_pids) -> int:
    import json

    import requests
    import websocket
    from django.utils import timezone

    received: dict[str, list[float]] = {}
    lock = threading.Lock()
    ready = threading.Barrier(len(cookies) + 1)
    stop = threading.Event()

    opening = threading.Semaphore(10)

    def listen(cookie: str, base: str) -> None:
        try:
            # Ten handshakes at a time: Daphne closes a socket its consumer has not accepted
            # within 5 s, and hundreds opening at once on two cores take longer than that.
            with opening:
                socket = websocket.create_connection(
                    f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/ws/c/{city.slug}/hits/",
                    cookie=f"sessionid={cookie}",
                    origin=base,
                    timeout=60,
                )
                socket.recv()  # hello
            socket.settimeout(1)
        except Exception:
            ready.abort()  # the run fails instead of waiting for this dispatcher forever
            raise
        ready.wait()
        while not stop.is_set():
            try:
                message = json.loads(socket.recv())
            except websocket.WebSocketTimeoutException:
                continue
            except websocket.WebSocketConnectionClosedException:
                return
            if message.get("type") == "hit":
                moment = time.perf_counter()
                with lock:
                    received.setdefault(message["hit"]["plate"], []).append(moment)
        socket.close()

    listeners = [
        threading.Thread(target=listen, args=(cookie, bases[n % len(bases)]), daemon=True)
        for n, cookie in enumerate(cookies)
    ]
    for thread in listeners:
        thread.start()
    ready.wait()

    hits_wanted = set()
    plates = []
    for n in range(args.reads):
        if rng.random() < args.hit_rate:
            plate = listed[rng.randrange(len(listed))]
            hits_wanted.add(plate)
        else:
            plate = f"Q{n:06d}"  # never listed: Q is not in any listed plate's first three letters
        plates.append(plate)
    accepted: dict[str, float] = {}
    sent_at: dict[str, float] = {}
    urls = [f"{base}/api/v1/c/{city.slug}/cameras/{camera.public_id}/reads/" for base in bases]
    # One request carries --batch reads (a hit plate always travels alone, so its latency is its own).
    queue, pending = [], []
    for plate in plates:
        if plate in hits_wanted:
            queue.append([plate])
        else:
            pending.append(plate)
            if len(pending) == args.batch:
                queue.append(pending)
                pending = []
    if pending:
        queue.append(pending)
    queue_lock = threading.Lock()
    failures = []

    stored = [0]

    def send(url: str) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Camera {key}"
        while True:
            with queue_lock:
                if not queue:
                    return
                batch = queue.pop(0)
            moment = timezone.now()
            body = {
                "reads": [
                    {
                        "plate": plate,
                        "confidence": 0.95,
                        "captured_at": (moment + dt.timedelta(microseconds=n)).isoformat(),
                    }
                    for n, plate in enumerate(batch)
                ]
            }
            start = time.perf_counter()
            response = session.post(url, json=body, timeout=30)
            done = time.perf_counter()
            if response.status_code != 201:
                failures.append(response.status_code)
                continue
            with queue_lock:
                stored[0] += len(batch)
            for plate in batch:
                sent_at[plate], accepted[plate] = start, done

    web, database = server_processes(daphne_pids)
    cpu_before = cpu_seconds(web), cpu_seconds(database)
    started = time.perf_counter()
    senders = [threading.Thread(target=send, args=(urls[n % len(urls)],)) for n in range(args.senders)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    elapsed = time.perf_counter() - started
    # CPU the server side spent (Daphne + the PostgreSQL backends serving it): on a shared machine
    # the figure that says what the code costs, whatever share of the cores it was given.
    web, database = server_processes(daphne_pids)
    cpu_after = cpu_seconds(web), cpu_seconds(database)
    web_cpu, database_cpu = (
        sum(after[pid] - before.get(pid, 0.0) for pid in after)
        for before, after in zip(cpu_before, cpu_after, strict=True)
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if all(len(received.get(p, [])) >= len(cookies) for p in hits_wanted):
                break
        time.sleep(0.2)
    stop.set()

    first, every, from_send = [], [], []
    missing = 0
    for plate in hits_wanted:
        moments = received.get(plate, [])
        if len(moments) < len(cookies) or plate not in accepted:
            missing += 1
        if not moments or plate not in accepted:
            continue
        first.append(max(0.0, min(moments) - accepted[plate]) * 1000)
        every.extend(max(0.0, m - accepted[plate]) * 1000 for m in moments)
        from_send.append((max(moments) - sent_at[plate]) * 1000)

    print(
        f"reads sent: {stored[0]} in {elapsed:.1f} s ({stored[0] / elapsed:.0f} reads/s over "
        f"{args.senders} senders, {len(bases)} Daphne processes, {args.batch} reads per request); "
        f"HTTP failures: {len(failures)}"
    )
    print(
        f"server CPU: Daphne {web_cpu:.1f} s + PostgreSQL {database_cpu:.1f} s = "
        f"{stored[0] / max(web_cpu + database_cpu, 0.01):.0f} reads per CPU-second "
        f"(wall {elapsed:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    print(
        f"hotlist: {len(listed)} entries; hits expected: {len(hits_wanted)}; dispatchers: {len(cookies)}; "
        f"hits not delivered to every dispatcher: {missing}"
    )
    if not first:
        print("no hit was received")
        return 1
    print("latency from read accepted (HTTP 201) to hit on screen, ms:")
    print(
        f"  first dispatcher : p50 {statistics.median(first):7.1f}  p95 {percentile(first, 0.95):7.1f}"
        f"  max {max(first):7.1f}  (n={len(first)})"
    )
    print(
        f"  every dispatcher : p50 {statistics.median(every):7.1f}  p95 {percentile(every, 0.95):7.1f}"
        f"  max {max(every):7.1f}  (n={len(every)})"
    )
    print(
        f"  last dispatcher, from request sent: p50 {statistics.median(from_send):7.1f}  "
        f"p95 {percentile(from_send, 0.95):7.1f}"
    )
    if args.json:
        import json

        with open(args.json, "a") as out:
            out.write(
                json.dumps(
                    {
                        "bench": "hits",
                        "dispatchers": len(cookies),
                        "daphnes": len(bases),
                        "batch": args.batch,
                        "reads_per_second": stored[0] / elapsed,
                        "last_from_send_p50": statistics.median(from_send),
                        "last_from_send_p95": percentile(from_send, 0.95),
                        "every_p95": percentile(every, 0.95),
                        "missing": missing,
                        "web_cpu_s": web_cpu,
                        "database_cpu_s": database_cpu,
                        "reads_per_cpu_second": stored[0] / max(web_cpu + database_cpu, 0.01),
                        "load_average": os.getloadavg()[0],
                    }
                )
                + "\n"
            )
    return 0 if not missing and not failures else 2


if __name__ == "__main__":
    raise SystemExit(main())
