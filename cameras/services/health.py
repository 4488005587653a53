"""Camera health: heartbeats and read times give each camera a status (``Camera.health_status``);
changes are kept as history and audited; a sweep marks cameras silent and emails the clerks."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Greatest
from django.utils import timezone

from audits.events import EventType
from audits.services import audit_record
from cameras.models import (
    Camera,
    CameraEdge,
    CameraHealthChange,
    CameraHeartbeat,
    CameraStatus,
    HealthStatus,
    camera_health,
    hash_api_key,
)
from portal.models import City, User
from portal.roles import Role
from portal.tenancy import city_scope

logger = logging.getLogger(__name__)

HEARTBEAT_HISTORY_DAYS = 7


def camera_edge(camera: Camera) -> CameraEdge:
    """The camera's edge row, created on first use."""
    with city_scope(camera.city):
        edge, _ = CameraEdge.objects.get_or_create(camera=camera, defaults={"city": camera.city})
    return edge


def _settle(*, camera: Camera, edge: CameraEdge, now: dt.datetime) -> str:
    """Record a change of status (history row and audit entry) if there is one; returns the status."""
    status, reason = camera_health(camera, edge, now=now)
    if status == edge.status:
        return status
    previous = edge.status
    CameraHealthChange.objects.create(
        city=camera.city, camera=camera, at=now, status=status, previous=previous, reason=reason[:300]
    )
    fields = {"status": status, "status_since": now}
    if status != HealthStatus.SILENT:
        fields["silent_alerted_at"] = None
    CameraEdge.objects.filter(pk=edge.pk).update(**fields)
    for name, value in fields.items():
        setattr(edge, name, value)
    audit_record(
        event_type=EventType.CAMERA_HEALTH_CHANGED,
        city=camera.city,
        target_type="camera",
        target_id=str(camera.public_id),
        details={"from": previous, "to": status, "reason": reason[:200]},
    )
    return status


def camera_note_reads(*, camera: Camera, latest: dt.datetime) -> None:
    """Reads of ``camera`` arrived at ``latest`` (called inside the ingest transaction). The time
    they arrived, not their capture time, says the camera is talking: a backlog sent after an
    outage brings the camera back up."""
    if connection.vendor == "postgresql":
        # The common case in one statement (one round trip per batch, not a read and a write): the
        # edge exists and the camera is up. Anything else takes the path below.
        with city_scope(camera.city), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {CameraEdge._meta.db_table} SET last_read_at = GREATEST(last_read_at, %s) "
                "WHERE camera_id = %s RETURNING status",
                [latest, camera.pk],
            )
            row = cursor.fetchone()
        if row is not None and row[0] == HealthStatus.UP:
            return
    edge = camera_edge(camera)
    with city_scope(camera.city):
        CameraEdge.objects.filter(pk=edge.pk).update(
            last_read_at=Greatest("last_read_at", latest) if edge.last_read_at else latest
        )
        if edge.status == HealthStatus.UP:
            return  # the common case: nothing to settle, no need to read the row back
        edge.refresh_from_db()
        if edge.status != HealthStatus.UP:
            _settle(camera=camera, edge=edge, now=timezone.now())


def camera_heartbeat_record(
    *,
    camera: Camera,
    source_format: str,
    ok: bool,
    note: str = "",
    details: dict | None = None,
    device_time: dt.datetime | None = None,
) -> CameraHeartbeat:
    """Store one heartbeat from the camera's device and update its health, in one transaction."""
    now = timezone.now()
    with city_scope(camera.city), transaction.atomic():
        edge = camera_edge(camera)
        beat = CameraHeartbeat.objects.create(
            city=camera.city,
            camera=camera,
            received_at=now,
            device_time=device_time,
            source_format=source_format,
            ok=ok,
            note=note[:300],
            details=details or {},
        )
        CameraEdge.objects.filter(pk=edge.pk).update(
            last_heartbeat_at=now, last_heartbeat_ok=ok, last_heartbeat_note=note[:300]
        )
        edge.refresh_from_db()
        _settle(camera=camera, edge=edge, now=now)
    return beat


# --- the webhook URL secret (for devices that cannot set a header) -----------------------------------


def camera_webhook_token_issue(*, camera: Camera, by: User, request=None) -> str:
    """Issue (or replace) the camera's secret webhook token. Returned once; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    with city_scope(camera.city), transaction.atomic():
        edge = camera_edge(camera)
        old_hint = edge.webhook_token_hint
        edge.webhook_token_hash, edge.webhook_token_hint = hash_api_key(token), token[:6]
        edge.webhook_token_issued_at = timezone.now()
        edge.save(update_fields=["webhook_token_hash", "webhook_token_hint", "webhook_token_issued_at"])
        audit_record(
            event_type=EventType.CAMERA_WEBHOOK_TOKEN_ISSUED,
            city=camera.city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={"old_hint": old_hint, "new_hint": edge.webhook_token_hint},
            request=request,
        )
    return token


def camera_webhook_token_revoke(*, camera: Camera, by: User, request=None) -> None:
    with city_scope(camera.city), transaction.atomic():
        edge = camera_edge(camera)
        old_hint = edge.webhook_token_hint
        edge.webhook_token_hash, edge.webhook_token_hint, edge.webhook_token_issued_at = "", "", None
        edge.save(update_fields=["webhook_token_hash", "webhook_token_hint", "webhook_token_issued_at"])
        audit_record(
            event_type=EventType.CAMERA_WEBHOOK_TOKEN_REVOKED,
            city=camera.city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={"old_hint": old_hint},
            request=request,
        )


def camera_health_settings_set(
    *, camera: Camera, by: User, expected_gap_minutes: int, email_clerks_when_silent: bool, request=None
) -> CameraEdge:
    with city_scope(camera.city), transaction.atomic():
        edge = camera_edge(camera)
        before = {"expected_gap_minutes": edge.expected_gap_minutes, "email": edge.email_clerks_when_silent}
        edge.expected_gap_minutes, edge.email_clerks_when_silent = (
            expected_gap_minutes,
            email_clerks_when_silent,
        )
        edge.save(update_fields=["expected_gap_minutes", "email_clerks_when_silent"])
        audit_record(
            event_type=EventType.CAMERA_HEALTH_SETTINGS_CHANGED,
            city=camera.city,
            actor=by,
            target_type="camera",
            target_id=str(camera.public_id),
            details={
                "before": before,
                "after": {"expected_gap_minutes": expected_gap_minutes, "email": email_clerks_when_silent},
            },
            request=request,
        )
        _settle(camera=camera, edge=edge, now=timezone.now())
    return edge


# --- the sweep (beat task) ---------------------------------------------------------------------------


def camera_health_sweep(*, city: City, now: dt.datetime | None = None) -> dict[str, int]:
    """Settle every camera's status in ``city`` (a camera goes silent with no event to say so), email
    the city's clerks once per silence where the camera asks for it, and drop week-old heartbeats."""
    now = now or timezone.now()
    silent, emailed = 0, 0
    with city_scope(city):
        cameras = Camera.objects.exclude(status=CameraStatus.RETIRED).select_related("city").order_by("name")
        for camera in cameras:
            with transaction.atomic():
                edge = camera_edge(camera)
                edge = CameraEdge.objects.select_for_update().get(pk=edge.pk)
                status = _settle(camera=camera, edge=edge, now=now)
                if status != HealthStatus.SILENT:
                    continue
                silent += 1
                if edge.silent_alerted_at is None and edge.email_clerks_when_silent:
                    if _email_clerks(camera=camera, edge=edge, now=now):
                        emailed += 1
        CameraHeartbeat.objects.filter(
            received_at__lt=now - dt.timedelta(days=HEARTBEAT_HISTORY_DAYS)
        ).delete()
    return {"silent": silent, "emailed": emailed}


def _email_clerks(*, camera: Camera, edge: CameraEdge, now: dt.datetime) -> bool:
    recipients = list(
        User.objects.filter(city=camera.city, role=Role.CLERK, is_active=True)
        .exclude(Q(email="") | Q(email__isnull=True))
        .values_list("email", flat=True)
    )
    if not recipients:
        return False
    _status, reason = camera_health(camera, edge, now=now)
    CameraEdge.objects.filter(pk=edge.pk).update(silent_alerted_at=now)
    audit_record(
        event_type=EventType.CAMERA_SILENT_ALERT_SENT,
        city=camera.city,
        target_type="camera",
        target_id=str(camera.public_id),
        details={"recipients": len(recipients), "reason": reason[:200]},
    )
    subject = f"[Steward] Camera {camera.name} is silent"
    body = (
        f"The camera {camera.name} ({camera.city.name}) has sent nothing: {reason}.\n\n"
        "Check its power, network and device, then its page in Steward for the history.\n"
    )
    transaction.on_commit(lambda: _send(subject, body, recipients))
    return True


def _send(subject: str, body: str, recipients: list[str]) -> None:
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # a mail server outage must not undo the sweep; the log says so
        logger.exception("silent-camera email to %d clerks failed", len(recipients))


def camera_health_reason(camera: Camera) -> str:
    """Why the camera has its status, in words."""
    try:
        edge = camera.edge
    except CameraEdge.DoesNotExist:
        edge = None
    return camera_health(camera, edge)[1]
