"""OpenALPR / Rekor Scout agent (alprd): the JSON it POSTs to ``upload_address``.

Three ``data_type`` values, as documented in the OpenALPR agent's integration guide
("JSON Plate Results", "JSON Group Results", "JSON Heartbeat", openalpr/doc
``source/app_integration.include``, https://doc.openalpr.com/):

- ``alpr_group``: one vehicle: ``best_plate_number``, ``best_confidence`` (0-100), ``best_region``,
  ``epoch_start`` (ms), ``best_uuid``, ``candidates`` and ``best_plate`` (with ``plate_crop_jpeg``,
  base64, and its own ``candidates``);
- ``alpr_results``: one video frame: ``epoch_time`` (ms), ``uuid``, ``results[]`` each with ``plate``,
  ``confidence`` (0-100), ``region``, ``plate_index`` and ``candidates``;
- ``heartbeat``: every minute: ``timestamp`` (ms), ``license_valid`` and ``video_streams[]`` with
  ``is_streaming`` per stream.

The event id is the frame's uuid and the plate's index in it: a group's best plate and the frame
result it came from are the same event, so an agent sending both stores the plate once.
"""

from __future__ import annotations

from cameras.adapters import (
    Heartbeat,
    Parsed,
    PayloadRejected,
    array,
    candidate_list,
    confidence,
    decode_base64_image,
    epoch_ms,
    number,
    obj,
    plate,
    region,
    required,
    text,
    with_best,
)
from cameras.readinput import DeviceRead

FORMAT = "openalpr"
SCALE = 100.0


def parse(body) -> Parsed:

    body = obj(body, "body")
    data_type = text(required(body, "data_type", ""), "data_type", max_length=40)
    if data_type == "alpr_group":
        return Parsed(kind=data_type, reads=[_group(body, DeviceRead)])
    if data_type == "alpr_results":
        return Parsed(kind=data_type, reads=_results(body, DeviceRead))
    if data_type == "heartbeat":
        return Parsed(kind=data_type, heartbeat=_heartbeat(body))
    raise PayloadRejected(
        "data_type", f"'{data_type[:40]}' is not one of alpr_group, alpr_results, heartbeat.", code="foreign"
    )


def _event_id(uuid: str, plate_index) -> str:
    index = 0 if plate_index is None else int(number(plate_index, "plate_index"))
    return f"{FORMAT}:{uuid}/{index}"


def _group(body: dict, DeviceRead):
    best = plate(required(body, "best_plate_number", ""), "best_plate_number")
    best_confidence = confidence(required(body, "best_confidence", ""), "best_confidence", scale=SCALE)
    captured_at = epoch_ms(required(body, "epoch_start", ""), "epoch_start")
    uuid = text(required(body, "best_uuid", ""), "best_uuid", max_length=120)
    best_plate = obj(body.get("best_plate") or {}, "best_plate")
    others = body.get("candidates")
    where = "candidates"
    if others is None:
        others, where = best_plate.get("candidates") or [], "best_plate.candidates"
    crop = None
    if best_plate.get("plate_crop_jpeg"):
        crop = decode_base64_image(best_plate["plate_crop_jpeg"], "best_plate.plate_crop_jpeg")
        from cameras.adapters import plate_crop

        crop = plate_crop(crop, None)
    return DeviceRead(
        plate=best,
        confidence=best_confidence,
        captured_at=captured_at,
        crop=crop,
        raw_text=text(body["best_plate_number"], "best_plate_number", max_length=64),
        event_id=_event_id(uuid, best_plate.get("plate_index")),
        region=region(body.get("best_region") or best_plate.get("region"), "best_region"),
        candidates=with_best(best, best_confidence, candidate_list(others, where, scale=SCALE, best=best)),
    )


def _results(body: dict, DeviceRead) -> list:
    captured_at = epoch_ms(required(body, "epoch_time", ""), "epoch_time")
    uuid = text(required(body, "uuid", ""), "uuid", max_length=120)
    reads = []
    for position, item in enumerate(array(required(body, "results", ""), "results")):
        where = f"results[{position}]"
        item = obj(item, where)
        best = plate(required(item, "plate", f"{where}."), f"{where}.plate")
        best_confidence = confidence(
            required(item, "confidence", f"{where}."), f"{where}.confidence", scale=SCALE
        )
        others = candidate_list(item.get("candidates") or [], f"{where}.candidates", scale=SCALE, best=best)
        reads.append(
            DeviceRead(
                plate=best,
                confidence=best_confidence,
                captured_at=captured_at,
                raw_text=text(item["plate"], f"{where}.plate", max_length=64),
                event_id=_event_id(uuid, item.get("plate_index", position)),
                region=region(item.get("region"), f"{where}.region"),
                candidates=with_best(best, best_confidence, others),
            )
        )
    return reads


def _heartbeat(body: dict) -> Heartbeat:
    device_time = epoch_ms(required(body, "timestamp", ""), "timestamp")
    streams = array(body.get("video_streams") or [], "video_streams", max_items=64)
    problems, summary = [], []
    for position, stream in enumerate(streams):
        stream = obj(stream, f"video_streams[{position}]")
        name = text(
            stream.get("camera_name") or stream.get("camera_id") or position,
            f"video_streams[{position}].camera_name",
        )
        streaming = stream.get("is_streaming")
        if not isinstance(streaming, bool):
            raise PayloadRejected(f"video_streams[{position}].is_streaming", "must be true or false.")
        if not streaming:
            problems.append(f"stream {name} is not streaming")
        # The stream URL is left out: it often carries the camera's password.
        summary.append({"camera_name": name, "is_streaming": streaming, "fps": stream.get("fps")})
    if not streams:
        problems.append("the agent reports no video stream")
    if body.get("license_valid") is False:
        problems.append("the agent's licence is not valid")
    return Heartbeat(
        ok=not problems,
        note="; ".join(problems),
        device_time=device_time,
        details={
            "agent_version": str(body.get("agent_version", ""))[:40],
            "agent_hostname": str(body.get("agent_hostname", ""))[:80],
            "cpu_usage_percent": body.get("cpu_usage_percent"),
            "video_streams": summary,
        },
    )
