"""Frames uploaded while the broker (Redis) is unreachable are kept, answered and recognised later.

The frame and its file commit before its recognition task is sent. When the broker cannot take the
task, the upload still answers 202, the frame is marked ``unsent``, and the beat task
``cameras.tasks.requeue_unsent_frames`` sends it once the broker answers; a real worker then
recognises it once. The broker is made unreachable for real: this process's Celery app is pointed
at a closed port (nothing listens on 127.0.0.1:1), the worker keeps the real one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from celery import current_app
from django.db import connection
from django.utils import timezone

import cameras.tasks  # noqa: F401 - registers the tasks in this process
from cameras.models import Frame, FrameStatus, Read
from cameras.services import camera_create, frames_requeue_unsent
from cameras.services import ingest as ingest_service
from portal.roles import Role
from tests.cameras.test_ingest_api import upload
from tests.factories import city_user
from tests.portal.test_row_level_security import django_connected_as

pytestmark = [pytest.mark.worker]

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _forget_broker_pools(app) -> None:
    # Forget (not close) the pools: kombu keeps one producer pool per broker URL process-wide, so
    # the real broker's pool is found again, still open, when its URL is restored.
    app.amqp._producer_pool = None
    app._pool = None


@contextmanager
def broker_unreachable() -> Iterator[None]:
    app = current_app._get_current_object()
    real = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT_BROKER
    _forget_broker_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url = real
        _forget_broker_pools(app)


def wait_until_done(frame_ids, timeout: float = 180) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        statuses = dict(Frame.all_cities.filter(pk__in=frame_ids).values_list("pk", "status"))
        if FrameStatus.QUEUED not in statuses.values():
            return statuses
        assert time.monotonic() < deadline, f"frames never recognised: {statuses}"
        time.sleep(0.2)


def test_frames_uploaded_while_the_broker_is_down_are_kept_then_recognised_once(
    celery_worker_process, client, city_a, camera_with_key, plate_jpeg, caplog
) -> None:
    camera, key = camera_with_key
    first = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    with broker_unreachable(), caplog.at_level(logging.WARNING, logger="cameras.services.ingest"):
        answered_in = []
        for second in range(3):
            started = time.monotonic()
            response = upload(
                client, city_a, camera, key, plate_jpeg, captured_at=first + dt.timedelta(seconds=second)
            )
            answered_in.append(time.monotonic() - started)
            assert response.status_code == 202, response.content
            assert response.json()["status"] == FrameStatus.QUEUED
        print(f"answered in {max(answered_in):.2f} s at most with the broker down")
        assert max(answered_in) < 5, f"an upload waited {max(answered_in):.1f} s for a dead broker"
        frames = list(Frame.all_cities.order_by("received_at").values_list("pk", "status", "unsent"))
        assert [(status, unsent) for _, status, unsent in frames] == [(FrameStatus.QUEUED, True)] * 3
        assert sum("not sent, the broker is unavailable" in r.getMessage() for r in caplog.records) == 3
        # Still down: the sweeper sends nothing and every frame stays marked for the next run.
        assert frames_requeue_unsent(batch_size=2) == 0
        assert Frame.all_cities.filter(unsent=True).count() == 3
        time.sleep(2)
        assert Frame.all_cities.filter(status=FrameStatus.QUEUED).count() == 3  # nothing reached the worker

    # The broker answers again: the beat task, run by the real worker, sends them (bounded batches).
    ids = [pk for pk, _, _ in frames]
    back = time.monotonic()
    cameras.tasks.requeue_unsent_frames.delay()
    statuses = wait_until_done(ids)
    print(f"recognised {time.monotonic() - back:.1f} s after the sweep was sent")
    assert set(statuses.values()) == {FrameStatus.DONE}
    assert not Frame.all_cities.filter(unsent=True).exists()
    for frame_id in ids:
        assert list(Read.all_cities.filter(frame_id=frame_id).values_list("plate", flat=True)) == ["ABC1234"]
    assert frames_requeue_unsent() == 0  # nothing is sent twice


def test_a_sweep_stops_at_the_first_failed_send_and_clears_only_the_frames_sent(
    celery_worker_process, client, city_a, camera_with_key, plate_jpeg, monkeypatch
) -> None:
    camera, key = camera_with_key
    first = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    with broker_unreachable():
        for second in range(4):
            response = upload(
                client, city_a, camera, key, plate_jpeg, captured_at=first + dt.timedelta(seconds=second)
            )
            assert response.status_code == 202, response.content
    assert Frame.all_cities.filter(unsent=True).count() == 4

    # The broker goes away again after two sends of the sweep (for real: the next send goes to
    # the closed port).
    app = current_app._get_current_object()
    real_url, real_send, sends = app.conf.broker_url, ingest_service._send_recognition, []

    def send_then_lose_the_broker(frame_id: int) -> bool:
        if len(sends) == 2:
            app.conf.broker_url = CLOSED_PORT_BROKER
            _forget_broker_pools(app)
        sends.append(frame_id)
        return real_send(frame_id)

    monkeypatch.setattr(ingest_service, "_send_recognition", send_then_lose_the_broker)
    try:
        assert frames_requeue_unsent(batch_size=3) == 2
    finally:
        app.conf.broker_url = real_url
        _forget_broker_pools(app)
    oldest = list(Frame.all_cities.order_by("received_at").values_list("pk", flat=True))
    assert sends == oldest[:3]  # oldest first; the third send failed and stopped the run
    assert (
        list(Frame.all_cities.filter(unsent=True).order_by("received_at").values_list("pk", flat=True))
        == (oldest[2:])
    )
    monkeypatch.setattr(ingest_service, "_send_recognition", real_send)
    assert frames_requeue_unsent(batch_size=3) == 2
    statuses = wait_until_done(oldest)
    assert set(statuses.values()) == {FrameStatus.DONE}
    for frame_id in oldest:
        assert Read.all_cities.filter(frame_id=frame_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_take_the_same_frame(city_a, camera_with_key, plate_jpeg, client) -> None:
    """A frame locked by one sweep (its batch not yet committed) is skipped by the other."""
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES or current_app.conf.task_always_eager:
        pytest.skip("needs PostgreSQL and Redis (make test)")
    camera, key = camera_with_key
    first = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    with broker_unreachable():
        for second in range(2):
            assert (
                upload(
                    client, city_a, camera, key, plate_jpeg, captured_at=first + dt.timedelta(seconds=second)
                ).status_code
                == 202
            )
    locked, other = Frame.all_cities.order_by("received_at").values_list("pk", flat=True)
    params = connection.settings_dict
    with psycopg.connect(
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        dbname=params["NAME"],
        user=params.get("USER") or None,
    ) as holder:
        holder.execute("SELECT set_config('steward.scope', 'system', false)")
        holder.execute("SELECT id FROM cameras_frame WHERE id = %s FOR UPDATE", [locked])
        # The second sweep in a thread of its own (its own connection): were it to wait for the
        # lock, it would wait for this block to end; it must finish with the other frame first.
        result: list[int] = []

        def sweep() -> None:
            try:
                result.append(frames_requeue_unsent())
            finally:
                connection.close()

        sweeper = threading.Thread(target=sweep)
        sweeper.start()
        sweeper.join(timeout=10)
        assert not sweeper.is_alive(), "the sweep waited for the frame another sweep holds"
        assert result == [1]  # the other frame only
        assert list(Frame.all_cities.filter(unsent=True).values_list("pk", flat=True)) == [locked]
    assert frames_requeue_unsent() == 1
    assert not Frame.all_cities.filter(unsent=True).exists()
    assert other != locked


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_every_citys_frames_as_the_application_role(
    app_role, client, city_a, city_b, camera_with_key, plate_jpeg
) -> None:
    """Under row-level security (the application's role, no BYPASSRLS) the sweep still sees the
    unsent frames of every city: it works in the system scope, as retention does."""
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES or current_app.conf.task_always_eager:
        pytest.skip("needs PostgreSQL and Redis (make test)")
    clerk_b = city_user(city_b, Role.CLERK)
    camera_b, key_b = camera_create(city=city_b, by=clerk_b, name="B", latitude="47.1", longitude="-122.1")
    captured = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1)
    with broker_unreachable():
        for city, (camera, key) in ((city_a, camera_with_key), (city_b, (camera_b, key_b))):
            assert upload(client, city, camera, key, plate_jpeg, captured_at=captured).status_code == 202
    assert Frame.all_cities.filter(unsent=True).count() == 2
    with django_connected_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, count(*) FROM cameras_frame GROUP BY 1")
            assert cursor.fetchall() == []  # no scope: no frame visible
        assert frames_requeue_unsent() == 2
    assert not Frame.all_cities.filter(unsent=True).exists()
