"""The dispatchers' live push: each committed hit goes to the city's hits socket group.

The socket message is encoded here, once per hit, and carried as text: every socket of the group
sends the same bytes, so no process encodes it again per socket (docs/scaling.md, "Hits").
"""

from __future__ import annotations

import json
from typing import Any

from cameras.hooks import HitsCommitted
from cameras.selectors import hit_payloads
from portal.live import broadcast, city_group

HIT_MESSAGE_TYPES = {"hit.created": "hit", "hit.updated": "hit_updated"}


def hit_message(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for one hit: ``kind`` is ``hit.created`` or ``hit.updated``, and
    ``text`` the socket message (``{"type": "hit"|"hit_updated", "hit": payload}``), encoded."""
    return {"type": kind, "text": json.dumps({"type": HIT_MESSAGE_TYPES[kind], "hit": payload})}


def push_hits_to_dispatchers(event: HitsCommitted) -> None:
    kind = "hit.created" if event.created else "hit.updated"
    for payload in hit_payloads(city=event.city, hit_ids=list(event.hit_ids)):
        broadcast(city_group(event.city, "hits"), hit_message(kind, payload))
