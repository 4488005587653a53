"""Live hits for the city's dispatchers and chief."""

from portal.consumers import CityConsumer
from portal.roles import HIT_HANDLER_ROLES


class HitsConsumer(CityConsumer):
    """``/ws/c/<city_slug>/hits/``: each hit as it is saved (pushed on commit).

    Channels delivers at most once, so the page also asks ``GET /api/v1/c/<city>/hits/?since=`` on
    connect and after any gap; the two paths meet on the hit's id.
    """

    topic = "hits"
    allowed_roles = HIT_HANDLER_ROLES

    async def hit_created(self, event):
        await self.send_if_allowed({"type": "hit", "hit": event["hit"]}, event)

    async def hit_updated(self, event):
        await self.send_if_allowed({"type": "hit_updated", "hit": event["hit"]}, event)
