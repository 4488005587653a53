"""Live hotlist alerts for partner agencies: ``/ws/partner/alerts/``.

A partner user whose agency receives alerts from at least one city joins its agency's alert group,
plus its user's, session's and agency's session groups (``portal.live``), so that sign-out,
deactivation, a suspension or a revocation closes the socket at once. Before each alert it sends, the
socket checks again that the session is valid and that the city of the alert still sends the agency
alerts. A refusal of an agency that a city cut off is audited there.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from audits.refusals import refusal_record
from portal.consumers import REFUSED, SessionBoundConsumer
from portal.models import User
from sharing.selectors import (
    agency_alerts_group,
    agency_cut_off,
    agency_receives_alerts,
    cities_with_any_agreement,
    city_sends_agency_alerts,
)


class PartnerAlertsConsumer(SessionBoundConsumer):
    def grant_holds(self, user: User, event: dict[str, Any] | None) -> bool:
        return user.is_partner and user.agency is not None and agency_receives_alerts(agency=user.agency)

    @database_sync_to_async
    def _city_allows(self, event: dict[str, Any]) -> bool:
        if event.get("city_id") is None:
            return True
        user = self.scope["user"]
        agency = user.agency if user is not None else None
        return agency is not None and city_sends_agency_alerts(city_id=event["city_id"], agency=agency)

    @database_sync_to_async
    def _authorise(self) -> str | None:
        user = self.scope.get("user")
        if (
            not isinstance(user, User)
            or not user.is_authenticated
            or not user.is_active
            or not user.is_partner
        ):
            return None
        agency = user.agency
        if agency is None:
            return None
        if agency_receives_alerts(agency=agency):
            return agency_alerts_group(agency)
        # Refused. Where a city has cut the agency off, that city's audit log records the attempt.
        for city in cities_with_any_agreement(agency=agency):
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

    async def connect(self) -> None:
        self.groups_joined = []
        group = await self._authorise()
        if group is None:
            await self.close(code=REFUSED)
            return
        await self.join_session_groups([group])
        allowed, expires = await self._check(None)
        if not allowed:
            await self.close(code=REFUSED)
            return
        await self.accept()
        self.start_watchdog(expires)
        await self.send_json({"type": "hello", "topic": "partner_alerts"})

    async def partner_alert(self, event: dict[str, Any]) -> None:
        # An alert from a city that stopped sharing since it was sent is dropped; the socket stays
        # open while another city still sends the agency alerts (``send_if_allowed`` checks that).
        if not await self._city_allows(event):
            return
        await self.send_if_allowed({"type": "alert", "alert": event["alert"]}, event)
