"""Ingest from edge devices: a parsed device payload (``cameras.adapters``) goes through the one read
ingest use case (``reads_ingest_from_device``: the same checks, de-duplication by the device's event
id, matching on commit) and its heartbeat into the camera's health."""

from __future__ import annotations

from dataclasses import dataclass

from cameras.adapters import Parsed
from cameras.models import Camera
from cameras.services.health import camera_heartbeat_record
from cameras.services.ingest import IngestRejected, reads_ingest_from_device


@dataclass(frozen=True)
class DevicePayloadResult:
    kind: str
    created: int
    duplicates: int
    heartbeat: bool


def device_payload_ingest(*, camera: Camera, source_format: str, parsed: Parsed) -> DevicePayloadResult:
    """Store what one device payload carried. Refusals raise ``IngestRejected`` and store nothing."""
    if not camera.accepts_uploads():
        raise IngestRejected(
            "This camera is retired or has neither an API key nor a webhook URL.",
            code="camera_inactive",
            status=403,
        )
    created = duplicates = 0
    if parsed.reads:
        result = reads_ingest_from_device(camera=camera, reads=parsed.reads)
        created, duplicates = result.created, result.duplicates
    if parsed.heartbeat is not None:
        beat = parsed.heartbeat
        camera_heartbeat_record(
            camera=camera,
            source_format=f"{source_format}.{parsed.kind}",
            ok=beat.ok,
            note=beat.note,
            details=beat.details,
            device_time=beat.device_time,
        )
    return DevicePayloadResult(
        kind=parsed.kind, created=created, duplicates=duplicates, heartbeat=parsed.heartbeat is not None
    )
