"""A frame uploaded over HTTP is recognised by a real Celery worker and its read lands in PostgreSQL."""

import time

import pytest
from django.utils import timezone

from cameras.models import Frame, Read

pytestmark = [pytest.mark.worker]


def test_uploaded_frame_is_recognised_by_the_worker(
    celery_worker_process, live_server, city_a, camera_with_key, plate_jpeg
):
    import requests

    camera, key = camera_with_key
    response = requests.post(
        f"{live_server.url}/api/v1/c/{city_a.slug}/cameras/{camera.public_id}/frames/",
        files={"image": ("frame.jpg", plate_jpeg, "image/jpeg")},
        data={"captured_at": timezone.now().isoformat()},
        headers={"Authorization": f"Camera {key}"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    frame_id = response.json()["frame_id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        frame = Frame.all_cities.get(public_id=frame_id)
        if frame.status != "queued":
            break
        time.sleep(0.5)
    assert frame.status == "done", frame.failure_reason
    assert list(Read.all_cities.filter(frame=frame).values_list("plate", flat=True)) == ["ABC1234"]
