"""Partner hotlist alerts: a hit on a shared hotlist reaches the partner agencies whose agreement in
effect includes alerts and covers the camera. Subscribed to ``cameras.hooks.hits_committed`` (called
after commit), so an agreement suspended or revoked before that moment sends nothing."""

from __future__ import annotations

import logging
from typing import Any

from audits.events import EventType
from audits.services import audit_record
from cameras.hooks import HitsCommitted
from cameras.models import Hit
from portal.live import broadcast
from portal.models import City
from portal.tenancy import city_scope
from sharing.selectors import agency_alerts_group, partner_alert_agreements

logger = logging.getLogger(__name__)


def partner_alert_payload(hit: Hit) -> dict[str, Any]:
    """What a partner sees of a hit: no image, no crop, no internal ids beyond the hit's own."""
    return {
        "id": str(hit.public_id),
        "city": hit.city.name,
        "plate": hit.read.plate,
        "captured_at": hit.read.captured_at.isoformat(),
        "camera": hit.read.camera.name,
        "hotlist": hit.hotlist.name,
        "reason": hit.reason,
    }


def partner_alerts_push(*, city: City, hit_ids: list[int]) -> int:
    """Run after commit of the hits; a failure here is logged and never fails the ingest."""
    try:
        return _partner_alerts_push(city=city, hit_ids=hit_ids)
    except Exception:
        logger.exception("Partner alerts for hits %s of city %s failed", hit_ids, city.pk)
        return 0


def partner_alerts_on_hits(event: HitsCommitted) -> None:
    """The ``hits_committed`` subscriber: new hits only (a disposition alerts nobody)."""
    if event.created:
        partner_alerts_push(city=event.city, hit_ids=list(event.hit_ids))


def _partner_alerts_push(*, city: City, hit_ids: list[int]) -> int:
    """Send each new hit of a hotlist shared with partners to every agency entitled to it.

    Each alert sent is an access to the city's data by that agency, so each is audited in the
    city's chain. Returns how many alerts went out.
    """
    sent = 0
    with city_scope(city):
        hits = list(
            Hit.objects.filter(pk__in=hit_ids, hotlist__share_alerts_with_partners=True)
            .select_related("read__camera", "hotlist")
            .order_by("pk")
        )
        for hit in hits:
            for agreement in partner_alert_agreements(city=city, camera_id=hit.read.camera_id):
                agency = agreement.partner_agency
                audit_record(
                    event_type=EventType.HOTLIST_PARTNER_ALERT,
                    city=city,
                    agency=agency,
                    target_type="hit",
                    target_id=str(hit.public_id),
                    details={
                        "agreement": str(agreement.public_id),
                        "hotlist": hit.hotlist.name,
                        "plate": hit.read.plate,
                        "camera": str(hit.read.camera.public_id),
                    },
                )
                broadcast(
                    agency_alerts_group(agency),
                    {
                        "type": "partner.alert",
                        # Not sent to the client: lets each socket re-check this city's grant.
                        "city_id": city.pk,
                        "alert": {**partner_alert_payload(hit), "city": city.name},
                    },
                )
                sent += 1
    return sent
