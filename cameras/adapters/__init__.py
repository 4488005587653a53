"""Edge device formats, each mapped onto Steward's device reads (``cameras.readinput.DeviceRead``).

One module per format; each exposes ``parse(...) -> Parsed``. Parsing is pure (no database): it
checks the payload, names the field at fault in ``PayloadRejected``, and returns the reads (with the
device's own event id for de-duplication, candidates, confidence and region) and any heartbeat.
Storing goes through the one read ingest use case (``reads_ingest_from_device``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from cameras.images import CheckedImage, ImageRejected, check_image
from cameras.readinput import check_crop
from cameras.recognition import normalize_plate

MAX_CANDIDATES = 10
PLATE_MARGIN = 0.15  # around a plate's box when the device sent a whole frame


class PayloadRejected(ValueError):
    """A payload that is not the format it claims. ``field`` names what to fix."""

    def __init__(self, field_name: str, message: str, *, code: str = "invalid", status: int = 400):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Heartbeat:
    ok: bool
    note: str = ""
    device_time: dt.datetime | None = None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    kind: str  # the device's own name for what it sent: alpr_group, alpr_results, heartbeat, ...
    reads: list = field(default_factory=list)  # of cameras.readinput.DeviceRead
    heartbeat: Heartbeat | None = None


# --- field readers: each names the field it could not use ----------------------------------------------


def obj(value: Any, name: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadRejected(name, "must be a JSON object.")
    return value


def required(container: dict, key: str, path: str) -> Any:
    if key not in container or container[key] is None:
        raise PayloadRejected(f"{path}{key}", "is required.")
    return container[key]


def text(value: Any, name: str, *, max_length: int = 200, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadRejected(name, "must be a string.")
    value = str(value).strip()
    if not value and not allow_empty:
        raise PayloadRejected(name, "must not be empty.")
    if len(value) > max_length:
        raise PayloadRejected(name, f"is longer than {max_length} characters.")
    return value


def number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PayloadRejected(name, "must be a number.")
    if not math.isfinite(value):
        raise PayloadRejected(name, "must be a finite number.")
    return float(value)


def array(value: Any, name: str, *, max_items: int = 500, allow_empty: bool = True) -> list:
    if not isinstance(value, list):
        raise PayloadRejected(name, "must be a list.")
    if len(value) > max_items:
        raise PayloadRejected(name, f"has more than {max_items} items.")
    if not value and not allow_empty:
        raise PayloadRejected(name, "must not be empty.")
    return value


def plate(value: Any, name: str) -> str:
    normalized = normalize_plate(text(value, name, max_length=32))
    if not 2 <= len(normalized) <= 10:
        raise PayloadRejected(name, "a plate has 2 to 10 letters or digits.")
    return normalized


def confidence(value: Any, name: str, *, scale: float) -> float:
    """A confidence on the device's scale (1 or 100) as 0..1."""
    raw = number(value, name)
    if raw < 0 or raw > scale * 1.0001:
        raise PayloadRejected(name, f"must be between 0 and {scale:g}.")
    return max(0.0, min(1.0, raw / scale))


def epoch_ms(value: Any, name: str) -> dt.datetime:
    raw = number(value, name)
    if raw < 946_684_800_000 or raw > 32_503_680_000_000:  # 2000-01-01 .. 3000-01-01
        raise PayloadRejected(name, "must be milliseconds since 1970 (UTC).")
    return dt.datetime.fromtimestamp(raw / 1000, tz=dt.UTC)


def iso_time(value: Any, name: str, *, naive_is_utc: bool = False) -> dt.datetime:
    raw = text(value, name, max_length=40)
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise PayloadRejected(name, "must be an ISO 8601 date and time.") from error
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise PayloadRejected(name, "must include a time zone (Z or +hh:mm).")
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def region(value: Any, name: str) -> str:
    if value in (None, ""):
        return ""
    return text(value, name, max_length=16).lower()


def candidate_list(items: list, name: str, *, scale: float, best: str) -> tuple:
    """The other readings, ``[{"plate", "confidence"}]`` in the device's order, without repeats of the
    best one or unreadable ones."""
    result, seen = [], {best}
    for position, item in enumerate(array(items, name)):
        where = f"{name}[{position}]"
        item = obj(item, where)
        reading = normalize_plate(text(required(item, "plate", f"{where}."), f"{where}.plate", max_length=32))
        if not 2 <= len(reading) <= 10 or reading in seen:
            continue
        seen.add(reading)
        key = "confidence" if "confidence" in item else "score"
        score = item.get(key)
        value = None if score is None else round(confidence(score, f"{where}.{key}", scale=scale), 4)
        result.append({"plate": reading, "confidence": value})
        if len(result) >= MAX_CANDIDATES - 1:
            break
    return tuple(result)


def with_best(best: str, best_confidence: float, others: tuple) -> tuple:
    """The best reading first, then the others (at most ``MAX_CANDIDATES`` in all)."""
    return ({"plate": best, "confidence": round(best_confidence, 4)}, *others)[:MAX_CANDIDATES]


# --- images -----------------------------------------------------------------------------------------------


def decode_base64_image(value: Any, name: str) -> CheckedImage:
    import base64
    import binascii

    raw = text(value, name, max_length=20_000_000)
    if raw.startswith("data:") and "," in raw:
        raw = raw.split(",", 1)[1]
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as error:
        raise PayloadRejected(name, "is not valid base64.") from error
    return image_bytes(data, name)


def image_bytes(data: bytes, name: str) -> CheckedImage:
    try:
        return check_image(data)
    except ImageRejected as error:
        raise PayloadRejected(name, str(error), code=error.code, status=error.status) from error


def plate_crop(image: CheckedImage, box: tuple[int, int, int, int] | None) -> CheckedImage:
    """The plate out of a frame the device sent (its box plus a margin), or the image itself made
    small enough to keep as a crop when there is no box."""

    with Image.open(io.BytesIO(image.data)) as frame:
        frame = frame.convert("RGB")
        if box is not None:
            x, y, width, height = box
            margin_x, margin_y = int(width * PLATE_MARGIN) + 2, int(height * PLATE_MARGIN) + 2
            area = (
                max(0, x - margin_x),
                max(0, y - margin_y),
                min(frame.width, x + width + margin_x),
                min(frame.height, y + height + margin_y),
            )
            if area[2] > area[0] and area[3] > area[1]:
                frame = frame.crop(area)
        frame.thumbnail((1280, 1280))
        buffer = io.BytesIO()
        frame.save(buffer, format="JPEG", quality=88)
    try:
        return check_crop(buffer.getvalue())
    except ImageRejected as error:
        raise PayloadRejected("image", str(error), code=error.code, status=error.status) from error
