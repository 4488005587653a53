from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cameras.models import (
    MANAGE_HOTLIST,
    Camera,
    CameraEdge,
    CameraHealthChange,
    CameraHeartbeat,
    CameraStatus,
    Frame,
    HealthStatus,
    Hit,
    Hotlist,
    Read,
    camera_health,
)
from portal.models import User
from portal.object_permissions import holders_of, holds
from portal.roles import MANAGER_ROLES
from portal.tenancy import city_scope


def get_camera(*, public_id) -> Camera:
    """A camera of the current city; another city's camera is the same 404 as a missing one."""
    camera = Camera.objects.filter(public_id=public_id).first()
    if camera is None:
        raise Http404("No such camera.")
    return camera


@dataclass(frozen=True)
class CameraActivity:
    """A camera's recent activity as counts and health, never plates (those need a search)."""

    reads_last_hour: int
    reads_last_day: int
    reads_last_week: int
    last_read_at: dt.datetime | None
    hits_last_day: int


def camera_activity(*, camera: Camera, now: dt.datetime | None = None) -> CameraActivity:
    now = now or timezone.now()
    reads = Read.objects.filter(camera=camera)
    counts = reads.aggregate(
        hour=Count("pk", filter=Q(captured_at__gte=now - dt.timedelta(hours=1))),
        day=Count("pk", filter=Q(captured_at__gte=now - dt.timedelta(days=1))),
        week=Count("pk", filter=Q(captured_at__gte=now - dt.timedelta(days=7))),
        last=Max("captured_at"),
    )
    hits = Hit.objects.filter(read__camera=camera, created_at__gte=now - dt.timedelta(days=1)).count()
    return CameraActivity(counts["hour"], counts["day"], counts["week"], counts["last"], hits)


def read_has_hit(*, read: Read) -> bool:
    return Hit.objects.filter(read=read).exists()


def frame_has_hit(*, frame: Frame) -> bool:
    return Hit.objects.filter(read__frame=frame).exists()


def get_read(*, public_id) -> Read:
    read = Read.objects.filter(public_id=public_id).first()
    if read is None:
        raise Http404("No such read.")
    return read


def get_frame(*, public_id) -> Frame:
    frame = Frame.objects.filter(public_id=public_id).first()
    if frame is None:
        raise Http404("No such frame.")
    return frame


def frame_counts(*, camera: Camera) -> dict[str, int]:
    return dict(Frame.objects.filter(camera=camera).values_list("status").annotate(n=Count("pk")))


# --- hits -------------------------------------------------------------------------------------------------


def _hits():
    return Hit.objects.select_related("read", "read__camera", "hotlist", "disposed_by")


def hit_payload(hit) -> dict:
    """What a dispatcher's screen shows for a hit (the same shape over the socket and the API)."""
    read, camera, slug = hit.read, hit.read.camera, hit.city.slug
    return {
        "id": str(hit.public_id),
        "plate": read.plate,
        "listed_plate": hit.listed_plate,
        "listed_state": hit.listed_state,
        "match": hit.match_kind,
        "reason": hit.reason,
        "priority": hit.priority,
        "priority_label": hit.get_priority_display(),
        "hotlist": hit.hotlist.name,
        "camera": camera.name,
        "latitude": float(camera.latitude),
        "longitude": float(camera.longitude),
        "captured_at": read.captured_at.isoformat(),
        "created_at": hit.created_at.isoformat(),
        "confidence": round(read.confidence, 3),
        "verify_carefully": read.read_status == "verify",
        "read_region": read.region,  # the plate's state or region as the edge device read it
        "status": hit.status,
        "status_label": hit.get_status_display(),
        "disposition": hit.disposition,
        "disposition_label": hit.get_disposition_display() if hit.disposition else "",
        "action_taken": hit.action_taken,
        "disposed_by": hit.disposed_by.get_username() if hit.disposed_by_id else "",
        "crop_url": reverse("read_crop", args=[slug, read.public_id]) if read.crop else "",
        "frame_url": reverse("frame_image", args=[slug, read.frame.public_id]) if read.frame_id else "",
        "url": reverse("hit_detail", args=[slug, hit.public_id]),
    }


def hit_payloads(*, city, hit_ids: list[int]) -> list[dict]:
    with city_scope(city):
        hits = _hits().select_related("read__frame").filter(pk__in=hit_ids).order_by("created_at", "pk")
        return [hit_payload(hit) for hit in hits]


def hits_since(*, since=None, status: str = "", limit: int = 200):
    """The current city's hits, oldest first from ``since`` (for a dispatcher catching up)."""
    hits = _hits().select_related("read__frame").order_by("created_at", "pk")
    if since is not None:
        hits = hits.filter(created_at__gte=since)
    if status:
        hits = hits.filter(status=status)
    return hits[:limit]


def get_hit(*, public_id):
    hit = _hits().select_related("read__frame").filter(public_id=public_id).first()
    if hit is None:
        raise Http404("No such hit.")
    return hit


def get_hotlist(*, public_id):
    hotlist = Hotlist.objects.filter(public_id=public_id).first()
    if hotlist is None:
        raise Http404("No such hotlist.")
    return hotlist


def hit_history(
    *,
    status: str = "",
    disposition: str = "",
    hotlist=None,
    camera=None,
    since=None,
    until=None,
):
    """The current city's hits, newest first, filtered (the history page and its CSV)."""
    hits = _hits().order_by("-created_at", "-pk")
    if status:
        hits = hits.filter(status=status)
    if disposition:
        hits = hits.filter(disposition=disposition)
    if hotlist is not None:
        hits = hits.filter(hotlist=hotlist)
    if camera is not None:
        hits = hits.filter(read__camera=camera)
    if since:
        hits = hits.filter(created_at__date__gte=since)
    if until:
        hits = hits.filter(created_at__date__lte=until)
    return hits


# --- camera health ----------------------------------------------------------------------------------


def camera_health_rows(*, city, now=None) -> list[tuple]:
    """``(camera, status, reason)`` for each camera of ``city`` not retired, by name."""
    cameras = (
        Camera.all_cities.filter(city=city)
        .exclude(status=CameraStatus.RETIRED)
        .select_related("city", "edge")
        .order_by("name")
    )
    rows = []
    for camera in cameras:
        status, reason = camera_health(camera, camera_edge_or_none(camera), now=now)
        rows.append((camera, status, reason))
    return rows


def cameras_silent(city, *, now=None) -> list[Camera]:
    """The cameras of ``city`` that sent neither a read nor a heartbeat for longer than their
    expected gap (for dashboards)."""
    return [
        camera
        for camera, status, _ in camera_health_rows(city=city, now=now)
        if status == HealthStatus.SILENT
    ]


def camera_health_history(*, camera: Camera, limit: int = 10) -> dict:
    """The camera's latest status changes and heartbeats (its page's small history)."""
    return {
        "changes": list(CameraHealthChange.all_cities.filter(camera=camera).order_by("-at")[:limit]),
        "heartbeats": list(CameraHeartbeat.all_cities.filter(camera=camera).order_by("-received_at")[:limit]),
    }


def camera_edge_or_none(camera: Camera) -> CameraEdge | None:
    try:
        return camera.edge
    except CameraEdge.DoesNotExist:
        return None


def may_manage_hotlist(*, user, hotlist: Hotlist) -> bool:
    """The city's chief and clerks manage every hotlist; other staff only one assigned to them."""
    return user.has_city_role(hotlist.city, *MANAGER_ROLES) or holds(user, hotlist, MANAGE_HOTLIST)


def hotlist_managers(*, hotlist: Hotlist):
    """Staff assigned to manage this hotlist (beyond the chief and clerks, who manage every list)."""
    return holders_of(hotlist, MANAGE_HOTLIST)


def assignable_staff(*, city) -> list:
    """The city's active staff, by username, who can be assigned an object (a list, a case)."""
    return list(User.objects.filter(city=city, is_active=True).order_by("username"))


def get_staff_member(*, city, public_id: str):
    """One of the city's active staff, or 404 (another city's user answers the same)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as error:
        raise Http404("No such person.") from error
    user = User.objects.filter(city=city, is_active=True, public_id=key).first()
    if user is None:
        raise Http404("No such person.")
    return user
