"""What the HTTP and ingest benches set up the same way: their database, a bench city with a
camera, a hotlist and people, and the Daphne processes and Celery worker they talk to.

Used by ``bench/hit_latency.py``, ``bench/load.py``, ``bench/ingest_throughput.py`` and
``bench/device_ingest.py``. Functions that touch models import them inside, so that a bench can
call ``django_ready`` first.
"""

from __future__ import annotations

import os
import random
import socket
import string
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Web processes hold a pool of this many database connections (docker-compose.yml, DJANGO_DB_POOL):
# without it Daphne, which runs each request in a thread of its own, opens a connection per request.
WEB_DB_POOL = 10


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def random_plate(rng: random.Random) -> str:
    """A Washington-style plate, LLLDDDD."""
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(3)) + "".join(
        rng.choice(string.digits) for _ in range(4)
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_database(url: str) -> None:
    """Create the bench database if absent; refuse the project's own and the tests' databases."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name or name.startswith("test_") or name in ("steward", "postgres"):
        sys.exit(f"refusing to benchmark in database {name!r}: use a database of its own")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def django_ready(database_url: str, redis_url: str | None = None, **environment: str) -> None:
    """Point this process at the bench database (and Redis, or none), migrate it, set Django up."""
    os.environ.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="portal.settings",
        LOG_LEVEL="WARNING",
        **environment,
    )
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    ensure_database(database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)
    import django

    django.setup()


@dataclass
class BenchCity:
    city: Any
    chief: Any
    camera: Any
    camera_key: str
    hotlist: Any
    listed: list[str] = field(default_factory=list)


def bench_city(
    *,
    slug: str,
    name: str,
    rng: random.Random,
    hotlist_size: int,
    fresh: bool = True,
    camera_name: str = "Bench camera",
) -> BenchCity:
    """A city with its chief, one camera (and its key), and a hotlist of ``hotlist_size`` random
    plates, statistics analyzed as autovacuum would leave them.

    ``fresh``: an earlier run's city of that slug is renamed out of the way and a new one made;
    otherwise it is reused with its hotlist, and a new camera is added to it."""
    from django.db import connection

    from cameras.models import Hotlist, HotlistEntry, HotlistSource, confusion_key
    from cameras.services import camera_create, hotlist_create
    from portal.models import City, User
    from portal.roles import Role

    city = None
    if fresh:
        City.objects.filter(slug=slug).update(slug=f"{slug}-old-{int(time.time())}")
    else:
        city = City.objects.filter(slug=slug).first()
    if city is None:
        city = City.objects.create(slug=slug, name=name, state="WA", retention_days=21)
    chief, _ = User.objects.get_or_create(
        username=f"{slug}-chief-{city.pk}", defaults={"city": city, "role": Role.CHIEF}
    )
    camera, key = camera_create(city=city, by=chief, name=camera_name, latitude="47.3", longitude="-122.2")
    hotlist = Hotlist.all_cities.filter(city=city).order_by("pk").first()
    listed = list(HotlistEntry.all_cities.filter(city=city).values_list("plate", flat=True))
    if hotlist is None or not listed:
        hotlist = hotlist_create(
            city=city, by=chief, name="Bench list", source=HotlistSource.STATE_NCIC, priority=3
        )
        listed = sorted({random_plate(rng) for _ in range(hotlist_size)})
        HotlistEntry.all_cities.bulk_create(
            [
                HotlistEntry(
                    city=city,
                    hotlist=hotlist,
                    plate=plate,
                    plate_key=confusion_key(plate),
                    state="WA",
                    reason="bench",
                    added_by=chief,
                )
                for plate in listed
            ],
            batch_size=10_000,
        )
        with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would give them
            cursor.execute("ANALYZE cameras_hotlistentry")
    return BenchCity(city=city, chief=chief, camera=camera, camera_key=key, hotlist=hotlist, listed=listed)


def dispatcher_cookies(city: Any, count: int) -> list[str]:
    """Session cookies of ``count`` new dispatchers of ``city``, each signed in."""
    from django.conf import settings
    from django.test import Client

    from portal.models import User
    from portal.roles import Role

    cookies = []
    for n in range(count):
        dispatcher = User.objects.create(
            username=f"{city.slug}-dispatcher-{city.pk}-{n}", city=city, role=Role.DISPATCHER
        )
        client = Client()
        client.force_login(dispatcher)
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return cookies


def officer_token(city: Any) -> str:
    """The API token of a new officer of ``city``."""
    from rest_framework.authtoken.models import Token

    from portal.models import User
    from portal.roles import Role

    officer = User.objects.create(username=f"{city.slug}-officer-{city.pk}", city=city, role=Role.OFFICER)
    return str(Token.objects.create(user=officer).key)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (Linux /proc; gone ones left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


@dataclass
class Servers:
    bases: list[str]
    daphne_pids: list[int]
    worker_pid: int | None


@contextmanager
def servers(
    *,
    daphnes: int,
    log_name: str,
    env: dict[str, str] | None = None,
    pool: int = WEB_DB_POOL,
    worker: bool = True,
) -> Iterator[Servers]:
    """``daphnes`` Daphne processes on free ports (each with a database pool of ``pool``
    connections, 0: persistent connections) and, with ``worker``, one Celery worker on the default
    queue, all in ``env`` (this process's environment by default); up before it yields, stopped
    after. Their output goes to ``var/<log_name>``."""
    env = dict(os.environ if env is None else env)
    web_env = dict(env, DJANGO_DB_POOL=str(pool))
    ports = [free_port() for _ in range(daphnes)]
    (REPO / "var").mkdir(exist_ok=True)
    with open(REPO / "var" / log_name, "wb") as log:
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "portal.asgi:application",
                ],
                cwd=REPO,
                env=web_env,
                stdout=log,
                stderr=log,
            )
            for port in ports
        ]
        daphne_pids = [process.pid for process in processes]
        worker_pid = None
        if worker:
            celery = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "default", "-c", "1",
                 "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=log,
            )  # fmt: skip
            processes.append(celery)
            worker_pid = celery.pid
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for base in bases:
                for _ in range(200):
                    try:
                        urllib.request.urlopen(base + "/healthz", timeout=2)
                        break
                    except OSError:
                        time.sleep(0.3)
            if worker:
                from portal.celery import app

                for _ in range(60):
                    if app.control.ping(timeout=0.5):
                        break
            yield Servers(bases=bases, daphne_pids=daphne_pids, worker_pid=worker_pid)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
