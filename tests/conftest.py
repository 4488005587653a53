"""Shared fixtures: personas, real services, a real Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from portal.roles import Role
from tests.factories import CityFactory, city_user, partner_user

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"steward: database={db} redis={'yes' if settings.REDIS_URL else 'no (embedded)'}"


# portal.pgbackend is PostgreSQL with the city scope passed on to row-level security.
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] in ("django.db.backends.postgresql", "portal.pgbackend")
requires_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="needs PostgreSQL (make test sets DATABASE_URL)",
)
requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (make test sets REDIS_URL)")


@pytest.fixture(autouse=True)
def _force_login_passes_two_step():
    """``client.force_login`` skips the password; with this it also skips the second step (for
    chiefs, clerks, auditors and staff), through django-otp's own ``login`` (see tests/mfa.py)."""
    from django.contrib.auth.signals import user_logged_in

    from tests.mfa import verify_forced_login

    user_logged_in.connect(verify_forced_login, dispatch_uid="tests_force_login_two_step")
    yield
    user_logged_in.disconnect(dispatch_uid="tests_force_login_two_step")


def _sqlite_append_only(action: str) -> None:
    """Drop or (re)create the SQLite append-only triggers (portal/db.py) in the test database."""
    from django.db import connection

    from portal.db import APPEND_ONLY_TABLES, sqlite_append_only_sql

    with connection.cursor() as cursor:
        for table, what in APPEND_ONLY_TABLES.items():
            create, drop = sqlite_append_only_sql(table, what)
            for statement in create if action == "create" else drop:
                cursor.execute(statement)


def _recreate_sqlite_triggers_after_flush(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if sender.label == "audits" and connections[using].vendor == "sqlite":
        _sqlite_append_only("create")


@pytest.fixture(autouse=True)
def _sqlite_flush_past_append_only_tables(request):
    """On SQLite a transactional test's database is emptied with DELETE, which the append-only
    triggers refuse (PostgreSQL empties it with TRUNCATE, which its trigger leaves to the owner).
    So, in tests only: drop them just before that flush; the flush's post_migrate signal puts them
    back. Nothing happens on PostgreSQL."""
    from django.db import connection
    from django.db.models.signals import post_migrate

    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    if connection.vendor != "sqlite" or not transactional:
        yield
        return
    post_migrate.connect(_recreate_sqlite_triggers_after_flush, dispatch_uid="tests_sqlite_triggers")
    request.getfixturevalue("transactional_db")
    yield
    _sqlite_append_only("drop")


@pytest.fixture
def city_a(db):
    return CityFactory(slug="alpha", name="Alpha")


@pytest.fixture
def city_b(db):
    return CityFactory(slug="bravo", name="Bravo")


@pytest.fixture
def officer_a(city_a):
    return city_user(city_a, Role.OFFICER)


@pytest.fixture
def auditor_a(city_a):
    return city_user(city_a, Role.AUDITOR)


@pytest.fixture
def officer_b(city_b):
    return city_user(city_b, Role.OFFICER)


@pytest.fixture
def outsider(db):
    return partner_user()


def database_url_for_subprocess() -> str:
    """The URL of the database the tests use (the test database), for worker processes."""
    from django.db import connection

    params = connection.settings_dict
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return (
        f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"
    )


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url_for_subprocess()
    env["REDIS_URL"] = settings.REDIS_URL
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    env["PYTHONPATH"] = str(REPO)
    return env


@contextmanager
def background_process(name: str, command: list[str], *, ready, env=None, timeout: float = 60):
    """Start ``command`` against the test database, wait until ``ready()`` is true, stop it after."""
    (REPO / "var").mkdir(exist_ok=True)
    log_path = REPO / "var" / f"test-{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=env or subprocess_env(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited early; see {log_path}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} was not ready within {timeout:.0f} s; see {log_path}")
                time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _needs_real_services() -> None:
    if not settings.REDIS_URL or not ON_POSTGRES:
        pytest.skip("needs PostgreSQL and Redis (make test)")


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real Celery worker (prefork, one child) on every queue, against the test database."""
    _needs_real_services()
    import redis

    from portal.celery import app

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "-Q",
        "default,recognition,reviews,maintenance",
        "--concurrency",
        "1",
        "--pool",
        "prefork",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"test-{os.getpid()}@%h",
    ]
    with background_process(
        "celery-worker", command, ready=lambda: bool(app.control.ping(timeout=0.5))
    ) as worker:
        yield worker


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def daphne_server(transactional_db):
    """The real ASGI stack (Daphne, Channels over Redis) on a free port, against the test database."""
    _needs_real_services()
    import urllib.request

    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return True
        except OSError:
            return False

    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "portal.asgi:application"]
    env = subprocess_env() | {"DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    with background_process("daphne", command, ready=answering, env=env):
        yield url


@pytest.fixture
def celery_eager():
    """Run tasks inline in this process (for unit tests of what a task does, not of the broker)."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def private_storage_dir(tmp_path, settings):
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": None},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("private", None)
    storages.__dict__.pop("backends", None)
    yield root
    storages._storages.pop("private", None)
    storages.__dict__.pop("backends", None)


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
