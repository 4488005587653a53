"""What a map on a page needs (``portal/_map.html``): its points and the tile source from settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse

if TYPE_CHECKING:
    from cameras.models import Camera


def map_context(points: list[dict[str, Any]], *, label: str = "Map of cameras") -> dict[str, Any]:
    return {
        "map": {
            "tiles": settings.STEWARD_MAP_TILE_URL or None,
            "attribution": settings.STEWARD_MAP_ATTRIBUTION,
            "points": points,
        },
        "map_label": label,
    }


def camera_points(cameras: Iterable[Camera], *, link: bool) -> list[dict[str, Any]]:
    return [
        {
            "name": camera.name,
            "lat": float(camera.latitude),
            "lon": float(camera.longitude),
            "status": camera.status,
            "note": camera.get_status_display(),
            "url": reverse("camera_detail", args=[camera.city.slug, camera.public_id]) if link else "",
        }
        for camera in cameras
    ]
