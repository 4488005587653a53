"""The recognition worker killed in the middle of a frame (issue 11, docs/reliability.md).

A real Celery worker (prefork, one child) recognises an uploaded frame; the child is killed with
SIGKILL once the task has started (the frame's ``attempts`` went up) and before it stored anything.
``acks_late`` and ``reject_on_worker_lost`` put the message back on the queue, a new child takes it,
and the frame is recognised once: one read, no duplicate, the second attempt recorded.
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from django.utils import timezone

import cameras.tasks  # noqa: F401 - registers the recognition task in this process
from cameras.models import Frame, FrameStatus, Read
from cameras.services import frame_ingest

pytestmark = [pytest.mark.worker]


def test_a_frame_whose_worker_is_killed_mid_task_is_recognised_once_later(
    celery_worker_process, city_a, camera_with_key, plate_jpeg
) -> None:
    camera, _key = camera_with_key
    worker = psutil.Process(celery_worker_process.pid)
    [child] = worker.children()
    frame, created = frame_ingest(camera=camera, data=plate_jpeg, captured_at=timezone.now())
    assert created
    deadline = time.monotonic() + 120
    while Frame.all_cities.get(pk=frame.pk).attempts == 0:
        assert time.monotonic() < deadline, "the worker never started the frame"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    started = Frame.all_cities.get(pk=frame.pk)
    assert started.status == FrameStatus.QUEUED, "the frame was finished before the kill: nothing was shown"
    assert not Read.all_cities.filter(frame=frame).exists()

    deadline = time.monotonic() + 180
    while (current := Frame.all_cities.get(pk=frame.pk)).status == FrameStatus.QUEUED:
        assert time.monotonic() < deadline, "the frame was never recognised after the kill"
        time.sleep(0.2)
    print(f"recognised {time.monotonic() - killed_at:.1f} s after the kill")
    assert current.status == FrameStatus.DONE, current.failure_reason
    assert current.attempts == 2  # the killed attempt and the one that finished
    assert list(Read.all_cities.filter(frame=frame).values_list("plate", flat=True)) == ["ABC1234"]
    assert not psutil.pid_exists(child.pid) or psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE
    assert [c.pid for c in worker.children()] != [child.pid]  # a new child did it
