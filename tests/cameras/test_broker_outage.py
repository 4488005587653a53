"""A frame uploaded while the broker (Redis) is down is stored, answered, and recognised later.

The frame and its file commit before the recognition task is sent. When the broker cannot take the
task, the upload still answers 202 (the frame is safe), the frame is marked ``unsent``, and the
sweeper (``cameras.tasks.requeue_unsent_frames``, every minute) sends it once the broker is back;
a real worker then recognises it. The broker is made unreachable for real: this process's Celery
app is pointed at a port where nothing listens.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import current_app
from django.utils import timezone

import cameras.tasks  # noqa: F401 - registers the tasks in this process
from cameras.models import Frame, FrameStatus, Read
from cameras.services import frames_requeue_unsent
from tests.cameras.test_ingest_api import upload

pytestmark = [pytest.mark.worker]


def _reset_broker_pools(app) -> None:
    # Forget (not close) the pools: kombu keeps one producer pool per broker URL process-wide,
    # so the real broker's pool is found again, still open, when its URL is restored.
    app.amqp._producer_pool = None
    app._pool = None


@contextmanager
def broker_unreachable() -> Iterator[None]:
    app = current_app._get_current_object()
    real = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # the discard port: nothing answers
    _reset_broker_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url = real
        _reset_broker_pools(app)


def test_a_frame_sent_while_the_broker_is_down_is_kept_and_recognised_when_it_is_back(
    celery_worker_process, client, city_a, camera_with_key, plate_jpeg
) -> None:
    camera, key = camera_with_key
    with broker_unreachable():
        started = time.monotonic()
        response = upload(
            client, city_a, camera, key, plate_jpeg, captured_at=timezone.now().replace(microsecond=0)
        )
        answered_in = time.monotonic() - started
        assert response.status_code == 202, response.content
        assert answered_in < 10, f"the upload waited {answered_in:.1f} s for a dead broker"
        frame = Frame.all_cities.get()
        assert (frame.status, frame.unsent) == (FrameStatus.QUEUED, True)
        # Still down: the sweeper sends nothing and the frame stays marked for the next run.
        assert cameras.tasks.requeue_unsent_frames() == 0
        assert Frame.all_cities.get(pk=frame.pk).unsent is True
        time.sleep(3)
        assert Frame.all_cities.get(pk=frame.pk).status == FrameStatus.QUEUED  # nothing reached the worker

    assert frames_requeue_unsent() == 1
    assert Frame.all_cities.get(pk=frame.pk).unsent is False
    deadline = time.monotonic() + 180
    while (current := Frame.all_cities.get(pk=frame.pk)).status == FrameStatus.QUEUED:
        assert time.monotonic() < deadline, "the frame was never recognised after the broker came back"
        time.sleep(0.2)
    assert current.status == FrameStatus.DONE, current.failure_reason
    assert list(Read.all_cities.filter(frame=frame).values_list("plate", flat=True)) == ["ABC1234"]
    assert frames_requeue_unsent() == 0  # done frames are never sent again
