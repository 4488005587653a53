"""Device payloads as their makers document them. Each builder returns the documented sample with
its times moved to ``now`` (the samples date from 2017-2025, older than any retention period) and,
where the sample has a placeholder for image bytes, a real image instead. Nothing else is changed.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt


def epoch_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- OpenALPR agent ------------------------------------------------------------------------------------
# Source: OpenALPR documentation, "Integrating With the Agent" (openalpr/doc,
# source/app_integration.include; published at https://doc.openalpr.com/), sections
# "JSON Plate Results", "JSON Group Results" and "JSON Heartbeat".

ALPR_RESULTS = {
    "version": 2,
    "data_type": "alpr_results",
    "epoch_time": 1490574589596,
    "img_width": 1280,
    "img_height": 720,
    "processing_time_ms": 259.132385,
    "error": False,
    "regions_of_interest": [
        {"x": 60, "y": 600, "width": 620, "height": 120},
        {"x": 0, "y": 0, "width": 1280, "height": 570},
    ],
    "results": [
        {
            "plate": "AE1T3E",
            "confidence": 93.904076,
            "matches_template": 1,
            "plate_index": 0,
            "region": "mo",
            "region_confidence": 34,
            "processing_time_ms": 17.029213,
            "requested_topn": 10,
            "coordinates": [
                {"x": 110, "y": 300},
                {"x": 227, "y": 295},
                {"x": 227, "y": 348},
                {"x": 113, "y": 352},
            ],
            "vehicle_region": {"x": 0, "y": 34, "width": 433, "height": 433},
            "candidates": [
                {"plate": "AE1T3E", "confidence": 93.904076, "matches_template": 1},
                {"plate": "AET3E", "confidence": 83.211739, "matches_template": 0},
                {"plate": "A1T3E", "confidence": 79.840271, "matches_template": 0},
                {"plate": "AE1T3F", "confidence": 79.130386, "matches_template": 1},
                {"plate": "AEIT3E", "confidence": 78.878433, "matches_template": 0},
                {"plate": "4E1T3E", "confidence": 78.217575, "matches_template": 0},
                {"plate": "AT3E", "confidence": 69.147926, "matches_template": 0},
                {"plate": "AET3F", "confidence": 68.438042, "matches_template": 0},
                {"plate": "4ET3E", "confidence": 67.52523, "matches_template": 0},
                {"plate": "A1T3F", "confidence": 65.066574, "matches_template": 0},
            ],
        }
    ],
    "uuid": "unspecified-cam16488027-1490574589596",
    "camera_id": 16488027,
    "agent_uid": "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY",
    "agent_version": "2.3.111",
    "agent_type": "alprd",
    "site_id": "unspecified",
    "company_id": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
}

ALPR_GROUP = {
    "data_type": "alpr_group",
    "version": 2,
    "company_id": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "agent_uid": "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY",
    "camera_id": 2090267338,
    "best_plate_number": "6PK132",
    "best_confidence": 90.2536163330078,
    "best_region": "us-mo",
    "best_region_confidence": 83,
    "best_image_width": 1280,
    "best_image_height": 720,
    "best_uuid": "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY-2090267338-1538924513527",
    "matches_template": False,
    "epoch_start": 1538924513527,
    "epoch_end": 1538924513627,
    "frame_start": 68,
    "frame_end": 71,
    "is_parked": False,
    "agent_type": "alprd",
    "user_data": "hello world",
    "uuids": [
        "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY-2090267338-1538924513527",
        "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY-2090267338-1538924513627",
    ],
    "travel_direction": 285.945404052734,
    "agent_version": "2.6.101",
    "country": "us",
    "plate_indexes": [0, 0],
    "candidates": [
        {"matches_template": 0, "confidence": 90.2536163330078, "plate": "6PK132"},
        {"matches_template": 0, "confidence": 70.315123252332, "plate": "6PKI32"},
    ],
    "best_plate": {
        "plate_index": 0,
        "confidence": 90.2536163330078,
        "region_confidence": 70,
        "plate_crop_jpeg": "...base64_jpeg_bytes...",
        "processing_time_ms": 21.2537994384766,
        "candidates": [
            {"plate": "6PK132", "matches_template": 0, "confidence": 90.2536163330078},
            {"confidence": 75.9956741333008, "matches_template": 0, "plate": "6PKI32"},
            {"plate": "6PK32", "confidence": 75.5074081420898, "matches_template": 0},
            {"matches_template": 0, "confidence": 75.3532333374023, "plate": "6PKA32"},
            {"plate": "6PK12", "matches_template": 0, "confidence": 74.8602905273438},
            {"matches_template": 0, "confidence": 74.8599395751953, "plate": "PK132"},
            {"confidence": 74.7018280029297, "matches_template": 0, "plate": "GPK132"},
            {"confidence": 74.6972503662109, "matches_template": 0, "plate": "6PK122"},
            {"plate": "6PKI2", "matches_template": 0, "confidence": 60.6023483276367},
        ],
        "region": "us-mo",
        "matches_template": 0,
        "requested_topn": 20,
        "plate": "6PK132",
        "vehicle_region": {"y": 71, "width": 229, "height": 229, "x": 0},
        "coordinates": [{"y": 219, "x": 62}, {"x": 115, "y": 217}, {"y": 245, "x": 114}, {"x": 61, "y": 247}],
    },
}

ALPR_HEARTBEAT = {
    "data_type": "heartbeat",
    "company_id": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "agent_uid": "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY",
    "agent_hostname": "mymachine",
    "license_systemid": "10799630758371023307",
    "license_key": "...license_key...",
    "license_valid": True,
    "memory_swapused_bytes": 8265138176,
    "memory_last_update": 1538925240573,
    "memory_total_bytes": 67475775488,
    "memory_swaptotal_bytes": 12813594624,
    "memory_consumed_bytes": 67061047296,
    "cpu_last_update": 1538925240573,
    "cpu_cores": 8,
    "cpu_usage_percent": 54.1457290649414,
    "disk_quota_earliest_result": 1538924513527,
    "disk_quota_total_bytes": 2147483648,
    "disk_quota_consumed_bytes": 524288000,
    "processing_threads_configured": 1,
    "processing_threads_active": 1,
    "timestamp": 1538925244693,
    "daemon_uptime_seconds": 35,
    "system_uptime_seconds": 585390,
    "recording_enabled": False,
    "agent_type": "alprd",
    "agent_version": "2.6.101",
    "beanstalk_queue_size": 0,
    "openalpr_version": "2.6.101",
    "os": "linux",
    "video_streams": [
        {
            "fps": 30,
            "camera_id": 2090267338,
            "camera_name": "h265",
            "last_update": 1538925244689,
            "is_streaming": True,
            "url": "rtsp://192.168.0.1/stream",
        }
    ],
}


def alpr_results(now: dt.datetime) -> dict:
    body = copy.deepcopy(ALPR_RESULTS)
    body["epoch_time"] = epoch_ms(now)
    body["uuid"] = f"unspecified-cam16488027-{epoch_ms(now)}"
    return body


def alpr_group(now: dt.datetime, crop_jpeg: bytes, *, best_uuid: str | None = None) -> dict:
    body = copy.deepcopy(ALPR_GROUP)
    body["epoch_start"], body["epoch_end"] = epoch_ms(now), epoch_ms(now) + 100
    body["best_uuid"] = best_uuid or f"YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY-2090267338-{epoch_ms(now)}"
    body["uuids"] = [body["best_uuid"]]
    body["best_plate"]["plate_crop_jpeg"] = base64.b64encode(crop_jpeg).decode()
    return body


def alpr_heartbeat(now: dt.datetime, *, streaming: bool = True) -> dict:
    body = copy.deepcopy(ALPR_HEARTBEAT)
    body["timestamp"] = epoch_ms(now)
    body["video_streams"][0]["is_streaming"] = streaming
    return body


# --- Plate Recognizer -----------------------------------------------------------------------------------
# Stream: "Webhooks and Outputs" (https://guides.platerecognizer.com/docs/stream/results), the webhook
# JSON as posted by Stream (hook.event "recognition"; the sample of Plate Recognizer's gist
# danleyb2/6d2220c1eae6d9b57a9d246df873dcb7 linked from the guide).
# Snapshot: "Webhooks for Snapshot" (https://guides.platerecognizer.com/docs/snapshot/results):
# hook.event "image.done", "Webhook with Image" = multipart with fields ``json`` and ``upload``.

PR_STREAM = {
    "hook": {
        "target": "https://webhook.site/3d1d46aa-ee9d-49ba-bd5f-6e8ab14ff3de",
        "id": "camera-1",
        "event": "recognition",
        "filename": "camera-1_screenshots/21-09-29/05-56-13.606935.jpg",
    },
    "data": {
        "camera_id": "camera-1",
        "filename": "camera-1_screenshots/21-09-29/05-56-13.606935.jpg",
        "timestamp": "2021-09-29T05:56:13.606935Z",
        "timestamp_local": "2021-09-29 05:56:13.606935+00:00",
        "results": [
            {
                "box": {"xmin": 460, "ymin": 57, "xmax": 557, "ymax": 82},
                "plate": "9jub11",
                "region": {"code": "gb", "score": 0.413},
                "score": 0.839,
                "candidates": [{"plate": "9jub11"}, {"plate": "sju88y"}, {"plate": "sjubi"}],
                "dscore": 0.441,
                "vehicle": {
                    "score": 0.267,
                    "type": "Big Truck",
                    "box": {"xmin": 387, "ymin": 23, "xmax": 1493, "ymax": 577},
                },
                "direction": "",
                "source_url": "/user-data/Elixirtech_Slow2_Indoor.mp4",
                "position_sec": 4,
            }
        ],
    },
}

PR_SNAPSHOT = {
    "hook": {
        "target": "https://webhook.site/dd8ddd2e-ada9-4a4d-b249-66fcb2615848",
        "id": 479,
        "event": "image.done",
    },
    "data": {
        "filename": "car2.jpg",
        "timestamp": "2025-09-09 23:22:38.030345",
        "camera_id": None,
        "results": [
            {
                "box": {"xmin": 297, "ymin": 311, "xmax": 687, "ymax": 498},
                "plate": "p29vgf",
                "region": {"code": "ca-qc", "score": 0.796},
                "score": 1,
                "candidates": [{"score": 1, "plate": "p29vgf"}, {"score": 0.902, "plate": "p29vgt"}],
                "dscore": 0.9,
                "vehicle": {
                    "score": 0.8,
                    "type": "Sedan",
                    "box": {"xmin": 100, "ymin": 150, "xmax": 900, "ymax": 620},
                },
            }
        ],
    },
}


def pr_stream(now: dt.datetime) -> dict:
    body = copy.deepcopy(PR_STREAM)
    body["data"]["timestamp"] = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return body


def pr_snapshot(now: dt.datetime, *, box=None) -> dict:
    body = copy.deepcopy(PR_SNAPSHOT)
    body["data"]["timestamp"] = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if box is not None:
        body["data"]["results"][0]["box"] = box
    return body


# --- AXIS License Plate Verifier --------------------------------------------------------------------------
# FF Group, "JSON Fields (Protocol 1.6)" (https://customerhub.ff-group.ai/portal/en/kb/articles/json-fields-protocol-1-6-js),
# the push event of AXIS License Plate Verifier, and Axis "License plate verifier API"
# (https://developer.axis.com/vapix/applications/license-plate-verifier-api) for NEW/UPDATE/LOST.
# Values from the field table's examples ("RZ3832H", DNK, geotag 50.418114,30.476213).


def axis_event(now: dt.datetime, *, state: str = "new", plate: str = "RZ3832H", car_id: int = 123) -> dict:
    local = now.astimezone(dt.UTC)
    return {
        "packetCounter": 1,
        "datetime": local.strftime("%Y%m%d %H%M%S") + f"{local.microsecond // 1000:03d}+0000",
        "plateUTF8": plate,
        "plateUnicode": plate,
        "plateText": plate,
        "plateCountry": "DNK",
        "plateConfidence": 0.87,
        "carState": state,
        "geotag": {"lat": 50.418114, "lon": 30.476213},
        "imageType": "frame",
        "plateImageType": "jpeg",
        "plateImageSize": 0,
        "carMoveDirection": "in",
        "timeProcessing": 35,
        "plateCoordinates": [300, 310, 380, 180],
        "carID": car_id,
        "sensorProviderID": "Gate 1",
        "roiID": 1,
    }
