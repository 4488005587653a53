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
import multiprocessing
import os
import queue as queues
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fixtures import (  # noqa: E402
    bench_city,
    cpu_seconds,
    dispatcher_cookies,
    django_ready,
    percentile,
    servers,
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
        "--pool", type=int, default=10, help="DJANGO_DB_POOL of each Daphne, as deployed (0: none)"
    )
    parser.add_argument(
        "--listener-processes",
        type=int,
        default=2,
        help="processes holding the dispatchers' sockets (0: in this process, beside the senders)",
    )
    parser.add_argument(
        "--json", help="append this run's figures, one JSON line, to this file (for the curves)"
    )
    parser.add_argument("--code", default="after", help="what ran, in the JSON line (before/after)")
    parser.add_argument("--round", default="", help="which round of runs, in the JSON line")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_hits"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    args = parser.parse_args()

    django_ready(args.database_url, args.redis_url)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()

    rng = random.Random(7)
    bench = bench_city(slug="bench-hits", name="Bench Hits", rng=rng, hotlist_size=args.hotlist_size)
    cookies = dispatcher_cookies(bench.city, args.dispatchers)
    with servers(daphnes=args.daphnes, pool=args.pool, log_name="bench-hit-latency.log") as up:
        return run(
            args,
            rng,
            bench.city,
            bench.camera,
            bench.camera_key,
            bench.listed,
            cookies,
            up.bases,
            up.daphne_pids,
        )


def server_processes(daphne_pids: list[int]) -> tuple[list[int], list[int]]:
    """The Daphne processes and the PostgreSQL backends serving this bench's database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return daphne_pids, [row[0] for row in cursor.fetchall()]


def listen_all(sockets, city_slug, moments, ready, stop) -> None:
    """Hold one dispatcher socket per ``(cookie, base)`` in ``sockets``, a thread each; put
    ``(plate, time.monotonic())`` on ``moments`` for each hit received; ``ready`` (a barrier) once
    every socket said hello, until ``stop`` is set. Runs in this process or in a listener process
    of its own (same monotonic clock as the senders')."""
    import json

    import websocket

    opening = threading.Semaphore(10)

    def listen(cookie: str, base: str) -> None:
        try:
            # Ten handshakes at a time: Daphne closes a socket its consumer has not accepted
            # within 5 s, and hundreds opening at once on two cores take longer than that.
            with opening:
                socket = websocket.create_connection(
                    f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/ws/c/{city_slug}/hits/",
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
                moments.put((message["hit"]["plate"], time.monotonic()))
        socket.close()

    threads = [threading.Thread(target=listen, args=pair, daemon=True) for pair in sockets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(args, rng, city, camera, key, listed, cookies, bases, daphne_pids) -> int:
    import requests
    from django.utils import timezone

    received: dict[str, list[float]] = {}
    lock = threading.Lock()
    pairs = [(cookie, bases[n % len(bases)]) for n, cookie in enumerate(cookies)]
    listeners: list = []
    if args.listener_processes > 0:
        # The dispatchers' sockets in processes of their own: their reading does not queue for
        # this process's GIL behind the senders' (nor the senders' behind 200 sockets' threads).
        context = multiprocessing.get_context("spawn")
        moments = context.Queue()
        ready = context.Barrier(len(cookies) + 1)
        stop = context.Event()
        shares = [pairs[n :: args.listener_processes] for n in range(args.listener_processes)]
        listeners = [
            context.Process(target=listen_all, args=(share, city.slug, moments, ready, stop), daemon=True)
            for share in shares
            if share
        ]
    else:
        moments = queues.Queue()
        ready = threading.Barrier(len(cookies) + 1)
        stop = threading.Event()
        listeners = [
            threading.Thread(target=listen_all, args=(pairs, city.slug, moments, ready, stop), daemon=True)
        ]
    for listener in listeners:
        listener.start()

    def collect() -> None:
        while True:
            try:
                plate, moment = moments.get(timeout=0.5)
            except queues.Empty:
                if stop.is_set():
                    return
                continue
            with lock:
                received.setdefault(plate, []).append(moment)

    collector = threading.Thread(target=collect, daemon=True)
    collector.start()
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
            start = time.monotonic()
            response = session.post(url, json=body, timeout=30)
            done = time.monotonic()
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
    for listener in listeners:
        listener.join(5)
    collector.join(5)

    first, every, from_send, hit_requests = [], [], [], []
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
        hit_requests.append((accepted[plate] - sent_at[plate]) * 1000)

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
    print(
        f"  the hit's own request (sent -> 201): p50 {statistics.median(hit_requests):7.1f}  "
        f"p95 {percentile(hit_requests, 0.95):7.1f}"
    )
    if args.json:
        import json

        with open(args.json, "a") as out:
            out.write(
                json.dumps(
                    {
                        "bench": "hits",
                        "code": args.code,
                        "round": args.round,
                        "dispatchers": len(cookies),
                        "daphnes": len(bases),
                        "batch": args.batch,
                        "reads_per_second": stored[0] / elapsed,
                        "last_from_send_p50": statistics.median(from_send),
                        "last_from_send_p95": percentile(from_send, 0.95),
                        "every_p95": percentile(every, 0.95),
                        "hit_request_p95": percentile(hit_requests, 0.95),
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
