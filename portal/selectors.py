from __future__ import annotations

from dataclasses import dataclass

from cameras.models import Camera, CameraStatus
from portal.models import City
from portal.tenancy import city_scope


@dataclass(frozen=True)
class CityPublicSummary:
    cameras_active: int
    cameras_total: int
    retention_days: int
    policy_preset: str


def city_public_summary(city: City) -> CityPublicSummary:
    """What the public is owed about a city, counted without any plate or name."""
    with city_scope(city):
        cameras = Camera.objects.all()
        return CityPublicSummary(
            cameras_active=cameras.filter(status=CameraStatus.ACTIVE).count(),
            cameras_total=cameras.count(),
            retention_days=city.retention_days,
            policy_preset=city.get_policy_preset_display(),
        )
