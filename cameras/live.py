"""The dispatchers' live push: each committed hit goes to the city's hits socket group."""

from __future__ import annotations

from cameras.hooks import HitsCommitted
from cameras.selectors import hit_payloads
from portal.live import broadcast, city_group


def push_hits_to_dispatchers(event: HitsCommitted) -> None:
    kind = "hit.created" if event.created else "hit.updated"
    for payload in hit_payloads(city=event.city, hit_ids=list(event.hit_ids)):
        broadcast(city_group(event.city, "hits"), {"type": kind, "hit": payload})
