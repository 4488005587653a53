"""What a device sends for one read, checked before any service stores it.

Below both ``cameras.services`` (which stores reads) and ``cameras.adapters`` (which turns edge device
formats into these), so neither has to import the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from cameras.images import CheckedImage, check_image


@dataclass(frozen=True)
class DeviceRead:
    plate: str
    confidence: float
    captured_at: dt.datetime
    crop: CheckedImage | None = None
    vehicle_colour: str = ""
    raw_text: str = ""
    # From edge device formats (cameras/adapters/): the device's own event id, the plate's region or
    # state, and the other readings of the plate ({"plate", "confidence"}, best first).
    event_id: str = ""
    region: str = ""
    candidates: tuple = ()


def check_crop(data: bytes) -> CheckedImage:
    return check_image(data, max_bytes=settings.STEWARD_MAX_CROP_BYTES, max_pixels=4_000_000)
