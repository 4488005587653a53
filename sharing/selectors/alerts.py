"""Partner hotlist alerts: which agreements send them, and the partner's alert group."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from portal.models import Agency, City
from portal.tenancy import city_scope
from sharing.models import AgreementState, SharingAgreement
from sharing.selectors.agreements import city_today
from sharing.selectors.revocations import agency_cut_off


def partner_alert_agreements(
    *, city: City, camera_id: int, on: dt.date | None = None
) -> list[SharingAgreement]:
    """Agreements in effect with hotlist alerts whose camera scope covers the camera (not cut off)."""
    on = on or city_today(city)
    with city_scope(city):
        agreements = (
            SharingAgreement.objects.filter(
                state=AgreementState.ACTIVE, hotlist_alerts=True, starts_on__lte=on, ends_on__gte=on
            )
            .filter(Q(all_cameras=True) | Q(cameras__pk=camera_id))
            .select_related("partner_agency")
            .distinct()
        )
        return [a for a in agreements if agency_cut_off(city=city, agency=a.partner_agency) is None]


def agency_alerts_group(agency: Agency) -> str:
    return f"agency.{agency.public_id.hex}.alerts"


def agency_receives_alerts(*, agency: Agency) -> bool:
    """Whether any city sends ``agency`` hotlist alerts today (for the partner alert socket)."""
    candidates = SharingAgreement.all_cities.filter(
        partner_agency=agency, state=AgreementState.ACTIVE, hotlist_alerts=True
    ).select_related("city")
    return any(
        agreement.is_in_effect(city_today(agreement.city))
        and agency_cut_off(city=agreement.city, agency=agency) is None
        for agreement in candidates
    )


def city_sends_agency_alerts(*, city_id: int, agency: Agency) -> bool:
    """Whether the city ``city_id`` still sends ``agency`` hotlist alerts (before each alert)."""
    for agreement in SharingAgreement.all_cities.filter(
        city_id=city_id, partner_agency=agency, state=AgreementState.ACTIVE, hotlist_alerts=True
    ).select_related("city"):
        if agreement.is_in_effect(city_today(agreement.city)) and (
            agency_cut_off(city=agreement.city, agency=agency) is None
        ):
            return True
    return False


def cities_with_any_agreement(*, agency: Agency) -> list[City]:
    """Every city that has or had an agreement with ``agency`` (where to audit its refusal), by pk."""
    cities = {
        a.city for a in SharingAgreement.all_cities.filter(partner_agency=agency).select_related("city")
    }
    return sorted(cities, key=lambda c: c.pk)
