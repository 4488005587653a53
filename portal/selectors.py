from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cameras.models import Camera, CameraStatus
from portal.models import City
from portal.tenancy import city_scope


@dataclass(frozen=True)
class PublicRevocation:
    agency: str
    decided_on: dt.date
    grounds: str
    permanent: bool


@dataclass(frozen=True)
class CityPublicSummary:
    cameras_active: int
    cameras_total: int
    retention_days: int
    policy_preset: str
    agencies_with_access: list[str] = field(default_factory=list)
    revocations: list[PublicRevocation] = field(default_factory=list)


def city_public_summary(city: City) -> CityPublicSummary:
    """What the public is owed about a city, counted without any plate or name.

    Every agency with access (every active agreement, not a chosen few) and every revocation
    (agency, date, grounds category); never an officer's name or a plate.
    """
    from sharing.models import AgreementState, RevocationCase, RevocationState, SharingAgreement

    with city_scope(city):
        cameras = Camera.objects.all()
        agencies = sorted(
            set(
                SharingAgreement.objects.filter(state=AgreementState.ACTIVE).values_list(
                    "partner_agency__name", flat=True
                )
            )
        )
        revocations = [
            PublicRevocation(
                agency=case.agency.name,
                decided_on=case.decided_at.date(),
                grounds=case.get_grounds_display(),
                permanent=case.is_permanent(),
            )
            for case in RevocationCase.objects.filter(state=RevocationState.REVOKED)
            .select_related("agency")
            .order_by("-decided_at")
        ]
        return CityPublicSummary(
            cameras_active=cameras.filter(status=CameraStatus.ACTIVE).count(),
            cameras_total=cameras.count(),
            retention_days=city.retention_days,
            policy_preset=city.get_policy_preset_display(),
            agencies_with_access=agencies,
            revocations=revocations,
        )
