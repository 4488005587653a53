"""AXIS License Plate Verifier (and FF Group camera apps on the same protocol): the JSON event the
app pushes over HTTP(S), alone or as multipart/form-data with the image attached.

Fields from FF Group's "JSON Fields (Protocol 1.6)" (the developers of AXIS License Plate Verifier,
https://customerhub.ff-group.ai/portal/en/kb/articles/json-fields-protocol-1-6-js) and Axis's
"License plate verifier API" (https://developer.axis.com/vapix/applications/license-plate-verifier-api):
``packetCounter``, ``datetime`` (``YYYYMMDD HHMMSSFFF`` with an optional ``+-HHMM`` zone),
``plateUTF8`` / ``plateText``, ``plateCountry`` (ISO 3166 alpha-3), ``plateConfidence``,
``carState`` (``new``, ``updated``, ``lost``), ``carID`` (the app's run-time id of one vehicle),
``imageType`` (``plate``, ``vehicle``, ``frame``...), ``plateCoordinates`` ``[left, top, width,
height]`` and ``sensorProviderID``.

One vehicle gives a NEW event, UPDATE events when the plate or direction changes and a LOST event.
The event id is the car id, the plate and the day: each distinct plate reading of a vehicle is
stored once, and a car id the app reuses after a restart on another day is a new event. A
``datetime`` without a zone is the camera's local time, taken in the city's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from cameras.adapters import (
    Parsed,
    PayloadRejected,
    array,
    confidence,
    image_bytes,
    number,
    obj,
    plate,
    plate_crop,
    region,
    required,
    text,
    with_best,
)
from cameras.readinput import DeviceRead

FORMAT = "axis"
STATES = {"new", "updated", "update", "lost"}
_DATETIME = re.compile(r"^(\d{8}) ?(\d{6})(\d{3})? ?([+-]\d{4})?$")


def parse(body, *, image: bytes | None = None, time_zone: str = "UTC") -> Parsed:

    body = obj(body, "body")
    raw_plate = body.get("plateUTF8") or body.get("plateText") or body.get("plateUnicode")
    if raw_plate is None:
        raise PayloadRejected("plateUTF8", "is required (or plateText).")
    best = plate(raw_plate, "plateUTF8")
    captured_at = _datetime(required(body, "datetime", ""), time_zone)
    car_id = int(number(required(body, "carID", ""), "carID"))
    state = body.get("carState")
    if state is not None and text(state, "carState", max_length=20).lower() not in STATES:
        raise PayloadRejected("carState", "must be new, updated or lost.", code="foreign")
    raw_confidence = number(required(body, "plateConfidence", ""), "plateConfidence")
    best_confidence = confidence(
        raw_confidence, "plateConfidence", scale=100.0 if raw_confidence > 1 else 1.0
    )
    box = _box(body.get("plateCoordinates"))
    crop = None
    if image is not None:
        frame = image_bytes(image, "image")
        image_type = str(body.get("imageType") or "").lower()
        crop = plate_crop(frame, None if image_type == "plate" else box)
    read = DeviceRead(
        plate=best,
        confidence=best_confidence,
        captured_at=captured_at,
        crop=crop,
        raw_text=text(raw_plate, "plateUTF8", max_length=64),
        event_id=f"{FORMAT}:{car_id}:{best}:{captured_at:%Y%m%d}",
        region=region(body.get("plateCountry"), "plateCountry"),
        candidates=with_best(best, best_confidence, ()),
    )
    return Parsed(kind=f"lpv.{(state or 'event').lower()}", reads=[read])


def _datetime(value, time_zone: str) -> dt.datetime:
    raw = text(value, "datetime", max_length=40)
    match = _DATETIME.match(raw)
    if not match:
        raise PayloadRejected("datetime", "must be 'YYYYMMDD HHMMSSFFF' with an optional +HHMM zone.")
    day, clock, millis, zone = match.groups()
    try:
        moment = dt.datetime.strptime(f"{day}{clock}", "%Y%m%d%H%M%S")
    except ValueError as error:
        raise PayloadRejected("datetime", "is not a real date and time.") from error
    moment = moment.replace(microsecond=int(millis or 0) * 1000)
    if zone:
        sign = 1 if zone[0] == "+" else -1
        offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        return moment.replace(tzinfo=dt.timezone(sign * offset))
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))


def _box(value) -> tuple[int, int, int, int] | None:
    if value is None:
        return None
    corners = array(value, "plateCoordinates", max_items=4)
    if len(corners) != 4:
        raise PayloadRejected("plateCoordinates", "must be [left, top, width, height].")
    left, top, width, height = (int(number(v, "plateCoordinates")) for v in corners)
    if left < 0 or top < 0 or width <= 0 or height <= 0:
        raise PayloadRejected("plateCoordinates", "must be [left, top, width, height], at least 0.")
    return left, top, width, height
