"""Live hotlist alerts for partner agencies: ``/ws/partner/alerts/``.

A partner user whose agency receives alerts from at least one city joins its agency's group and its
own user group (``portal.consumers.user_group``), so that a suspension or revocation closes the
socket at once (``session.end``). A refusal of an agency that a city cut off is audited there.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from audits.refusals import refusal_record
from portal.consumers import REFUSED, user_group
from sharing.models import SharingAgreement
from sharing.selectors import agency_alerts_group, agency_cut_off, agency_receives_alerts


class PartnerAlertsConsumer(AsyncJsonWebsocketConsumer):
    @database_sync_to_async
    def _authorise(self) -> str | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active or not user.is_partner:
            return None
        agency = user.agency
        if agency_receives_alerts(agency=agency):
            return agency_alerts_group(agency)
        # Refused. Where a city has cut the agency off, that city's audit log records the attempt.
        cities = {
            a.city for a in SharingAgreement.all_cities.filter(partner_agency=agency).select_related("city")
        }
        for city in sorted(cities, key=lambda c: c.pk):
            cut_off = agency_cut_off(city=city, agency=agency)
            if cut_off is not None:
                refusal_record(
                    city=city,
                    rule=cut_off.rule,
                    via="websocket",
                    status=REFUSED,
                    user=user,
                    path=self.scope.get("path", ""),
                    method="WS",
                    target_type="revocation_case",
                    target_id=str(cut_off.case.public_id),
                    client_address=(self.scope.get("client") or (None,))[0],
                )
        return None

    async def connect(self):
        self.groups_joined: list[str] = []
        group = await self._authorise()
        if group is None:
            await self.close(code=REFUSED)
            return
        for name in (group, user_group(self.scope["user"].public_id)):
            await self.channel_layer.group_add(name, self.channel_name)
            self.groups_joined.append(name)
        await self.accept()
        await self.send_json({"type": "hello", "topic": "partner_alerts"})

    async def disconnect(self, code):
        for name in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def partner_alert(self, event):
        await self.send_json({"type": "alert", "alert": event["alert"]})

    async def session_end(self, event):
        """The agency's access ended: close at once."""
        await self.close(code=REFUSED)
