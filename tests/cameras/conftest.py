import io

import cv2
import pytest
from PIL import Image

from cameras.services import camera_create
from portal.roles import Role
from tests.factories import city_user
from tests.recognition.synth import car_scene


def jpeg_of(array) -> bytes:
    ok, buffer = cv2.imencode(".jpg", array, [int(cv2.IMWRITE_JPEG_QUALITY), 92])
    assert ok
    return buffer.tobytes()


@pytest.fixture
def plate_jpeg() -> bytes:
    image, _box = car_scene("ABC1234")
    return jpeg_of(image)


@pytest.fixture
def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def camera_with_key(city_a):
    clerk = city_user(city_a, Role.CLERK)
    return camera_create(city=city_a, by=clerk, name="Main & 1st", latitude="47.3", longitude="-122.2")


from tests.conftest import stored_files  # noqa: E402,F401  (re-exported for the camera tests)
from tests.portal.conftest import app_role  # noqa: E402,F401  (the application role, for test_broker_outage)
