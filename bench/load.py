#!/usr/bin/env python
"""Load: device ingest with hits, connected dispatchers and a stream of searches, for N minutes.

Everything on loopback, on this machine: Daphne processes (the ASGI stack, Channels over Redis), a
Celery worker on the default queue, PostgreSQL. For ``--minutes`` it holds

* ``--reads-per-second`` device reads (``--batch`` reads per request; a share ``--hit-rate`` of the
  reads carry a hotlisted plate, each of those in a request of its own so its latency is its own),
* ``--dispatchers`` dispatcher sockets on ``/ws/c/<city>/hits/``, each behaving like
  ``static/js/hits.js``: on every (re)connect it asks ``GET /api/v1/c/<city>/hits/?since=`` for
  the hits since the last one it saw (minus 30 s), and after a drop it reconnects with the same
  back-off (0.5 s doubling to 10 s),
* ``--searches-per-second`` governed searches over the API (an officer's token),

and prints errors, p50/p95 latencies, and the messages lost: for every dispatcher, the hits stored
in the database that it neither received live nor fetched when it reconnected.

``--app-role`` runs the Daphnes and the worker as the application's database role (``db_app_role``:
owns nothing, row-level security applies). ``--own-redis PORT`` starts a private ``redis-server``
on PORT for the run (never the machine's shared one) and ``--restart-redis-at S`` stops it S
seconds in and starts it again ``--redis-down`` seconds later: the Redis fault of
docs/reliability.md.

    python bench/load.py --minutes 5 --app-role
    python bench/load.py --minutes 2 --own-redis 6390 --restart-redis-at 40 --redis-down 3 --app-role

Needs PostgreSQL and Redis (defaults: 127.0.0.1, database ``steward_load``, Redis db 4); the
database is created and migrated if absent, and a fresh bench city is made on each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fixtures import (  # noqa: E402
    REPO,
    bench_city,
    dispatcher_cookies,
    django_ready,
    officer_token,
    percentile,
    servers,
)

PURPOSE = {
    "reason": "Armed robbery at the 5th Ave pharmacy on 3 May, suspect vehicle seen leaving north",
    "offense_type": "robbery",
    "case_number": "2026-004512",
}


def summary(values: list[float]) -> str:
    if not values:
        return "n=0"
    return (
        f"p50 {statistics.median(values):7.1f}  p95 {percentile(values, 0.95):7.1f}  "
        f"max {max(values):8.1f}  (n={len(values)})"
    )


def with_user(url: str, user: str) -> str:
    scheme, rest = url.split("://", 1)
    host = rest.split("@", 1)[1] if "@" in rest else rest
    return f"{scheme}://{user}@{host}"


def moment_of(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class OwnRedis:
    """A private redis-server (no persistence, like a channel layer's) that can be restarted."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.directory = tempfile.mkdtemp(prefix="steward-load-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.directory,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if redis.Redis(port=self.port).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # as abrupt as a crash: no save, clients cut off
            self.process.wait(10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Dispatcher:
    cookie: str
    base: str
    live: set[str] = field(default_factory=set)
    backfilled: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    reconnects: int = 0
    backfill_errors: int = 0
    last_created_at: str | None = None
    connected: bool = False


@dataclass
class Figures:
    ingest_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    reads_accepted: int = 0
    hit_reads_accepted: int = 0
    requests_late: int = 0
    searches_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--reads-per-second", type=float, default=50.0)
    parser.add_argument("--batch", type=int, default=5, help="reads per request (not hits: each alone)")
    parser.add_argument("--hit-rate", type=float, default=0.05, help="share of reads on the hotlist")
    parser.add_argument("--dispatchers", type=int, default=100)
    parser.add_argument("--searches-per-second", type=float, default=1.0)
    parser.add_argument("--hotlist-size", type=int, default=10_000)
    parser.add_argument("--daphnes", type=int, default=2)
    parser.add_argument("--senders", type=int, default=24, help="threads sending the paced requests")
    parser.add_argument(
        "--pool", type=int, default=10, help="DJANGO_DB_POOL of each Daphne (0: persistent connections)"
    )
    parser.add_argument("--app-role", action="store_true", help="serve as the application's database role")
    parser.add_argument("--own-redis", type=int, default=0, metavar="PORT", help="a private redis-server")
    parser.add_argument("--restart-redis-at", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--redis-down", type=float, default=3.0, metavar="SECONDS")
    parser.add_argument("--grace", type=float, default=120.0, help="seconds to let the last hits arrive")
    parser.add_argument("--json", help="append this run's figures, one JSON line, to this file")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_load"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"))
    args = parser.parse_args()
    if args.restart_redis_at and not args.own_redis:
        parser.error("--restart-redis-at needs --own-redis PORT (the shared Redis is never restarted)")

    own = OwnRedis(args.own_redis) if args.own_redis else None
    if own is not None:
        own.start()
        args.redis_url = own.url
    try:
        return setup_and_run(args, own)
    finally:
        if own is not None:
            own.close()


def setup_and_run(args: argparse.Namespace, own: OwnRedis | None) -> int:
    django_ready(args.database_url, args.redis_url, DJANGO_CONN_MAX_AGE="60")
    serving_url = args.database_url
    if args.app_role:
        role = args.database_url.rsplit("/", 1)[1] + "_app"
        subprocess.run([sys.executable, "manage.py", "db_app_role", "--role", role], cwd=REPO, check=True)
        serving_url = with_user(args.database_url, role)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()

    rng = random.Random(11)
    bench = bench_city(
        slug="bench-load",
        name="Bench Load",
        rng=rng,
        hotlist_size=args.hotlist_size,
        camera_name="Load camera",
    )
    token = officer_token(bench.city)
    cookies = dispatcher_cookies(bench.city, args.dispatchers)
    env = dict(os.environ, DATABASE_URL=serving_url, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    with servers(daphnes=args.daphnes, pool=args.pool, env=env, log_name="bench-load.log") as up:
        return run(
            args,
            own,
            rng,
            bench.city,
            bench.camera,
            bench.camera_key,
            bench.listed,
            cookies,
            token,
            up.bases,
            serving_url,
        )


def run(
    args: argparse.Namespace,
    own: OwnRedis | None,
    rng: random.Random,
    city: Any,
    camera: Any,
    key: str,
    listed: list[str],
    cookies: list[str],
    token: str,
    bases: list[str],
    serving_url: str,
) -> int:
    import requests
    import websocket

    figures = Figures()
    accepted_at: dict[tuple[str, dt.datetime], float] = {}  # (plate, capture) -> request sent
    accepted_lock = threading.Lock()
    stop = threading.Event()
    opening = threading.Semaphore(10)
    dispatchers = [Dispatcher(cookie, bases[n % len(bases)]) for n, cookie in enumerate(cookies)]
    api = f"/api/v1/c/{city.slug}/hits/"

    def note(d: Dispatcher, hit: dict[str, Any]) -> None:
        if d.last_created_at is None or moment_of(hit["created_at"]) > moment_of(d.last_created_at):
            d.last_created_at = hit["created_at"]

    def backfill(d: Dispatcher, session: requests.Session) -> None:
        # As static/js/hits.js: one request for the hits since the last one seen, minus 30 s.
        url = d.base + api
        params = {}
        if d.last_created_at:
            params["since"] = (moment_of(d.last_created_at) - dt.timedelta(seconds=30)).isoformat()
        try:
            response = session.get(url, params=params, timeout=30)
            response.raise_for_status()
        except requests.RequestException:
            d.backfill_errors += 1
            return
        for hit in response.json()["hits"]:
            d.backfilled.add(hit["id"])
            note(d, hit)

    def listen(d: Dispatcher) -> None:
        session = requests.Session()
        session.cookies.set("sessionid", d.cookie)
        retry = 0.5
        first = True
        while not stop.is_set():
            try:
                with opening:
                    socket = websocket.create_connection(
                        f"ws://127.0.0.1:{d.base.rsplit(':', 1)[1]}/ws/c/{city.slug}/hits/",
                        cookie=f"sessionid={d.cookie}",
                        origin=d.base,
                        timeout=60,
                    )
                    socket.recv()  # hello
            except Exception:  # noqa: BLE001 - any failure to connect is a reconnect, as in the page
                d.connected = False
                time.sleep(retry)
                retry = min(retry * 2, 10.0)
                continue
            if not first:
                d.reconnects += 1
            first, retry, d.connected = False, 0.5, True
            backfill(d, session)
            socket.settimeout(1)
            while not stop.is_set():
                try:
                    message = json.loads(socket.recv())
                except websocket.WebSocketTimeoutException:
                    continue
                except Exception:  # noqa: BLE001 - closed or broken: reconnect
                    break
                if message.get("type") == "hit":
                    hit = message["hit"]
                    moment = time.perf_counter()
                    d.live.add(hit["id"])
                    note(d, hit)
                    with accepted_lock:
                        sent = accepted_at.get((hit["plate"], moment_of(hit["captured_at"])))
                    if sent is not None:
                        d.latencies.append((moment - sent) * 1000)
            d.connected = False
            try:
                socket.close()
            except Exception:  # noqa: BLE001, S110 - already gone
                pass
            if not stop.is_set():
                time.sleep(retry)

    listeners = [threading.Thread(target=listen, args=(d,), daemon=True) for d in dispatchers]
    for thread in listeners:
        thread.start()
    deadline = time.monotonic() + 180
    while not all(d.connected for d in dispatchers):
        if time.monotonic() > deadline:
            print(f"only {sum(d.connected for d in dispatchers)} of {len(dispatchers)} dispatchers connected")
            return 1
        time.sleep(0.2)
    print(f"{len(dispatchers)} dispatchers connected; running {args.minutes:g} min", flush=True)

    # Paced requests: each tick a request is due; sender threads take them as they come.
    work: queue.Queue[tuple[float, list[str]] | None] = queue.Queue()
    ingest_urls = [f"{base}/api/v1/c/{city.slug}/cameras/{camera.public_id}/reads/" for base in bases]
    serial = [0]

    def send(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Camera {key}"
        url = ingest_urls[index % len(ingest_urls)]
        while True:
            item = work.get()
            if item is None:
                return
            due, plates = item
            if time.perf_counter() - due > 1.0:
                with figures.lock:
                    figures.requests_late += 1
            now = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            reads = []
            moments = []
            for plate in plates:
                with figures.lock:
                    serial[0] += 1
                    moment = now.replace(microsecond=serial[0] % 1_000_000)
                moments.append(moment)
                reads.append({"plate": plate, "confidence": 0.95, "captured_at": moment.isoformat()})
            start = time.perf_counter()
            with accepted_lock:  # before sending: the hit can reach a socket before the response
                for plate, moment in zip(plates, moments, strict=True):
                    accepted_at[(plate, moment)] = start
            try:
                response = session.post(url, json={"reads": reads}, timeout=30)
            except requests.RequestException as error:
                figures.error(f"ingest {type(error).__name__}")
                continue
            done = time.perf_counter()
            if response.status_code != 201:
                figures.error(f"ingest HTTP {response.status_code}")
                continue
            with figures.lock:
                figures.ingest_ms.append((done - start) * 1000)
                figures.reads_accepted += len(plates)
                figures.hit_reads_accepted += sum(1 for p in plates if not p[1].isdigit())

    def search() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        interval = 1.0 / args.searches_per_second
        due = time.perf_counter()
        n = 0
        while not stop.is_set() and not sending_done.is_set():
            due += interval
            plate = listed[rng.randrange(len(listed))] if n % 2 else f"Q{n:06d}"
            n += 1
            start = time.perf_counter()
            try:
                response = session.post(
                    f"{bases[n % len(bases)]}/api/v1/c/{city.slug}/searches/",
                    json={"plate": plate, **PURPOSE},
                    timeout=30,
                )
            except requests.RequestException as error:
                figures.error(f"search {type(error).__name__}")
            else:
                if response.status_code in (200, 201):
                    with figures.lock:
                        figures.search_ms.append((time.perf_counter() - start) * 1000)
                        figures.searches_done += 1
                else:
                    figures.error(f"search HTTP {response.status_code}")
            time.sleep(max(0.0, due - time.perf_counter()))

    def restart_redis() -> None:
        assert own is not None
        if stop.wait(args.restart_redis_at):
            return
        print(f"t={args.restart_redis_at:.0f}s: redis-server on {own.port} killed", flush=True)
        own.stop()
        time.sleep(args.redis_down)
        own.start()
        print(
            f"t={args.restart_redis_at + args.redis_down:.0f}s: redis-server on {own.port} started again",
            flush=True,
        )

    # PostgreSQL connections: this run's database, and the whole (shared) server.
    connections_seen = {"ours": 0, "server": 0, "server_max": 0}

    def sample_connections() -> None:
        import psycopg

        database = args.database_url.rsplit("/", 1)[1]
        with psycopg.connect(args.database_url, autocommit=True) as pg:
            row = pg.execute("SELECT current_setting('max_connections')::int").fetchone()
            connections_seen["server_max"] = row[0] if row else 0
            while not stop.wait(2.0):
                ours, everyone = pg.execute(
                    "SELECT count(*) FILTER (WHERE datname = %s), count(*) FROM pg_stat_activity", [database]
                ).fetchone() or (0, 0)
                connections_seen["ours"] = max(connections_seen["ours"], ours)
                connections_seen["server"] = max(connections_seen["server"], everyone)

    threading.Thread(target=sample_connections, daemon=True).start()
    sending_done = threading.Event()
    senders = [threading.Thread(target=send, args=(n,), daemon=True) for n in range(args.senders)]
    for thread in senders:
        thread.start()
    searcher = threading.Thread(target=search, daemon=True)
    searcher.start()
    if own is not None and args.restart_redis_at:
        threading.Thread(target=restart_redis, daemon=True).start()

    seconds = args.minutes * 60
    started = time.perf_counter()
    due = started
    counter = 0
    pending: list[str] = []
    while due - started < seconds:
        # One read at a time at the wanted rate: a hit goes at once, alone; others fill a batch.
        due += 1.0 / args.reads_per_second
        counter += 1
        if rng.random() < args.hit_rate:
            work.put((due, [listed[rng.randrange(len(listed))]]))
        else:
            pending.append(f"Q{counter:07d}")
            if len(pending) == args.batch:
                work.put((due, pending))
                pending = []
        time.sleep(max(0.0, due - time.perf_counter()))
    for _ in senders:
        work.put(None)
    for thread in senders:
        thread.join(60)
    sending_done.set()
    elapsed = time.perf_counter() - started
    searcher.join(60)

    # The hits the database holds; every dispatcher should have each, live or by its catch-up.
    from cameras.models import Hit

    deadline = time.monotonic() + args.grace
    expected = {str(h) for h in Hit.all_cities.filter(city=city).values_list("public_id", flat=True)}
    while time.monotonic() < deadline:
        if all(expected <= (d.live | d.backfilled) for d in dispatchers):
            break
        time.sleep(0.5)
    stop.set()
    lost = sum(len(expected - (d.live | d.backfilled)) for d in dispatchers)
    recovered = sum(len((expected - d.live) & d.backfilled) for d in dispatchers)
    extra = sum(len(d.live - expected) for d in dispatchers)
    latencies = [x for d in dispatchers for x in d.latencies]
    reconnects = sum(d.reconnects for d in dispatchers)
    backfill_errors = sum(d.backfill_errors for d in dispatchers)

    print(
        f"duration: {elapsed:.0f} s; database role: {serving_url.split('://', 1)[1].split('@', 1)[0]}; "
        f"{len(bases)} Daphne processes, pool of {args.pool} connections each"
    )
    print(
        f"ingest: {figures.reads_accepted} reads accepted ({figures.reads_accepted / elapsed:.1f} reads/s, "
        f"{len(figures.ingest_ms)} requests, {figures.requests_late} sent over 1 s late), "
        f"{figures.hit_reads_accepted} hotlisted reads, {len(expected)} hits stored"
    )
    print(f"  request latency ms : {summary(figures.ingest_ms)}")
    print(f"searches: {figures.searches_done} ({figures.searches_done / elapsed:.2f}/s)")
    print(f"  request latency ms : {summary(figures.search_ms)}")
    print(f"dispatchers: {len(dispatchers)}; reconnects: {reconnects}; catch-up errors: {backfill_errors}")
    print(f"  hit delivery ms (request sent -> message on socket), live: {summary(latencies)}")
    print(
        f"  messages expected {len(expected) * len(dispatchers)}; lost (neither live nor caught up): {lost}; "
        f"recovered by catch-up: {recovered}; unknown ids received: {extra}"
    )
    print(
        f"PostgreSQL connections, most at once: this run {connections_seen['ours']}, the whole server "
        f"{connections_seen['server']} of {connections_seen['server_max']}"
    )
    print(f"errors: {json.dumps(figures.errors, sort_keys=True) if figures.errors else 'none'}")
    if args.json:
        with open(args.json, "a") as out:
            out.write(
                json.dumps(
                    {
                        "bench": "load",
                        "minutes": args.minutes,
                        "reads_per_second": figures.reads_accepted / elapsed,
                        "dispatchers": len(dispatchers),
                        "ingest_p95_ms": percentile(figures.ingest_ms, 0.95),
                        "search_p95_ms": percentile(figures.search_ms, 0.95),
                        "hit_p95_ms": percentile(latencies, 0.95),
                        "hits": len(expected),
                        "lost": lost,
                        "recovered": recovered,
                        "errors": figures.errors,
                        "redis_restart": bool(own is not None and args.restart_redis_at),
                    }
                )
                + "\n"
            )
    return 0 if not lost and not figures.errors else 2


if __name__ == "__main__":
    raise SystemExit(main())
