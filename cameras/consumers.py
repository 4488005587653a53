"""Live hits for the city's dispatchers and chief."""

from portal.consumers import CityConsumer
from portal.roles import HIT_HANDLER_ROLES


class HitsConsumer(CityConsumer):
    """``/ws/c/<city_slug>/hits/``: each hit as it is saved (pushed on commit).

    Channels delivers at most once, so the page also asks ``GET /api/v1/c/<city>/hits/?since=`` on
    connect and after any gap; the two paths meet on the hit's id. The message arrives encoded
    (``cameras.live.hit_message``): it is checked, then sent as it is.
    """

    topic = "hits"
    allowed_roles = HIT_HANDLER_ROLES

    async def hit_created(self, event):
        await self.send_text_if_allowed(event["text"], event)

    async def hit_updated(self, event):
        await self.send_text_if_allowed(event["text"], event)
