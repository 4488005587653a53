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
