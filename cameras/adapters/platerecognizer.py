"""Plate Recognizer webhooks: Stream (video) and Snapshot (images), JSON or multipart with the image.

Shapes from Plate Recognizer's guides: "Webhooks and Outputs" for Stream
(https://guides.platerecognizer.com/docs/stream/results) and "Webhooks for Snapshot"
(https://guides.platerecognizer.com/docs/snapshot/results). Both POST
``{"hook": {"target", "id", "event"}, "data": {"camera_id", "filename", "timestamp", "results": [...]}}``
where each result has ``plate``, ``score`` (0-1), ``region`` ``{"code", "score"}``, ``candidates``
``[{"plate", "score"?}]``, ``box`` ``{xmin, ymin, xmax, ymax}`` and ``vehicle``. "Webhook with image"
sends multipart/form-data with the JSON in the ``json`` field and the image in ``upload``; each
result's plate is cut from that image by its box and kept as the read's crop.

Stream sends ``hook.event`` ``recognition``; Snapshot ``image.done``. Timestamps without a zone are
UTC (Snapshot's ``2025-09-09 23:22:38.030345``). The event id is the timestamp, file name and the
result's position, hashed to a fixed length.
"""

from __future__ import annotations

import hashlib

from cameras.adapters import (
    Parsed,
    PayloadRejected,
    array,
    candidate_list,
    confidence,
    image_bytes,
    iso_time,
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

FORMAT = "platerecognizer"
EVENTS = {"stream": {"recognition"}, "snapshot": {"image.done"}}


def parse(body, *, product: str, image: bytes | None = None) -> Parsed:

    body = obj(body, "body")
    hook = obj(body.get("hook") or {}, "hook")
    event = hook.get("event")
    if event is not None and text(event, "hook.event", max_length=40) not in EVENTS[product]:
        expected = " or ".join(sorted(EVENTS[product]))
        raise PayloadRejected(
            "hook.event", f"'{str(event)[:40]}' is not a {product} recognition ({expected}).", code="foreign"
        )
    data = obj(required(body, "data", ""), "data")
    raw_time = text(required(data, "timestamp", "data."), "data.timestamp", max_length=40)
    captured_at = iso_time(raw_time, "data.timestamp", naive_is_utc=True)
    filename = text(data.get("filename") or "", "data.filename", max_length=300, allow_empty=True)
    frame = image_bytes(image, "upload") if image is not None else None
    reads = []
    for position, item in enumerate(array(required(data, "results", "data."), "data.results")):
        where = f"data.results[{position}]"
        item = obj(item, where)
        best = plate(required(item, "plate", f"{where}."), f"{where}.plate")
        best_confidence = confidence(required(item, "score", f"{where}."), f"{where}.score", scale=1.0)
        others = candidate_list(item.get("candidates") or [], f"{where}.candidates", scale=1.0, best=best)
        region_code = ""
        if item.get("region") is not None:
            region_code = region(obj(item["region"], f"{where}.region").get("code"), f"{where}.region.code")
        box = _box(item.get("box"), f"{where}.box")
        crop = None
        if frame is not None:
            crop = plate_crop(
                frame, _box_in_image(box, item.get("vehicle"), frame.width, frame.height, where)
            )
        digest = hashlib.sha256(f"{raw_time}|{filename}".encode()).hexdigest()[:40]
        reads.append(
            DeviceRead(
                plate=best,
                confidence=best_confidence,
                captured_at=captured_at,
                crop=crop,
                raw_text=text(item["plate"], f"{where}.plate", max_length=64),
                vehicle_colour=_colour(item),
                event_id=f"{FORMAT}:{digest}/{position}",
                region=region_code,
                candidates=with_best(best, best_confidence, others),
            )
        )
    return Parsed(kind=f"{product}.{event or 'recognition'}", reads=reads)


def _box(value, name: str) -> tuple[int, int, int, int] | None:
    if value is None:
        return None
    box = obj(value, name)
    corners = [
        int(number(required(box, key, f"{name}."), f"{name}.{key}"))
        for key in ("xmin", "ymin", "xmax", "ymax")
    ]
    xmin, ymin, xmax, ymax = corners
    if xmin < 0 or ymin < 0 or xmax <= xmin or ymax <= ymin:
        raise PayloadRejected(name, "xmin < xmax and ymin < ymax, all at least 0.")
    return xmin, ymin, xmax - xmin, ymax - ymin


def _box_in_image(box, vehicle, width: int, height: int, where: str):
    """The plate's box in the image that came with the webhook. Stream sends the vehicle's image by
    default (``webhook_image_type = vehicle``) while boxes are in the frame's coordinates: when the
    image has the vehicle box's size, the plate box is moved into it; a box that does not fit the
    image is not used (the whole image is kept instead)."""
    if box is None:
        return None
    x, y, w, h = box
    if isinstance(vehicle, dict) and isinstance(vehicle.get("box"), dict):
        vx, vy, vw, vh = _box(vehicle["box"], f"{where}.vehicle.box")
        if abs(vw - width) <= 2 and abs(vh - height) <= 2:  # the image is the vehicle, cut from the frame
            x, y = x - vx, y - vy
    if x < 0 or y < 0 or x + w > width or y + h > height:
        return None
    return x, y, w, h


def _colour(item: dict) -> str:
    colours = item.get("color")
    if isinstance(colours, list) and colours and isinstance(colours[0], dict):
        return str(colours[0].get("color", ""))[:16].lower()
    return ""
