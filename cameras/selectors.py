from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cameras.models import Camera, Frame, Read


def get_camera(*, public_id) -> Camera:
    """A camera of the current city; another city's camera is the same 404 as a missing one."""
    camera = Camera.objects.filter(public_id=public_id).first()
    if camera is None:
        raise Http404("No such camera.")
    return camera


def recent_reads(*, camera: Camera, limit: int = 50) -> QuerySet[Read]:
    return Read.objects.filter(camera=camera).order_by("-captured_at", "position")[:limit]


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
    from django.db.models import Count

    return dict(Frame.objects.filter(camera=camera).values_list("status").annotate(n=Count("pk")))


# --- hits -------------------------------------------------------------------------------------------------


def _hits():
    from cameras.models import Hit

    return Hit.objects.select_related("read", "read__camera", "hotlist", "disposed_by")


def hit_payload(hit) -> dict:
    """What a dispatcher's screen shows for a hit (the same shape over the socket and the API)."""
    from django.urls import reverse

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
        "status": hit.status,
        "disposition": hit.disposition,
        "action_taken": hit.action_taken,
        "disposed_by": hit.disposed_by.get_username() if hit.disposed_by_id else "",
        "crop_url": reverse("read_crop", args=[slug, read.public_id]) if read.crop else "",
        "frame_url": reverse("frame_image", args=[slug, read.frame.public_id]) if read.frame_id else "",
        "url": reverse("hit_detail", args=[slug, hit.public_id]),
    }


def hit_payloads(*, city, hit_ids: list[int]) -> list[dict]:
    from portal.tenancy import city_scope

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
    from cameras.models import Hotlist

    hotlist = Hotlist.objects.filter(public_id=public_id).first()
    if hotlist is None:
        raise Http404("No such hotlist.")
    return hotlist
