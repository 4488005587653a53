"""What the cameras app announces to the apps above it, without importing them.

``cameras`` sits below ``sharing`` and must not import it. Where something here concerns an app
above (a hit that partners may be alerted to, a hotlist the city's sharing policy forbids), this
module names the moment and the apps subscribe in their ``AppConfig.ready``:

- ``hits_committed``: hits were created or updated and committed. The dispatchers' live push
  (``cameras.live``) and the partner alerts (``sharing.services.alerts``) subscribe.
- ``hotlist_screens`` / ``hotlist_entry_screens``: before a hotlist or an entry is created or
  imported, each screen may refuse it (``sharing`` refuses hotlists that serve civil immigration
  enforcement where the policy says so, and entries whose reason serves it).

A hook is a small explicit registry rather than a Django signal: a subscriber's error propagates
to the caller (no ``send_robust`` swallowing), and a screen returns its refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from portal.models import City

Event = TypeVar("Event")
Answer = TypeVar("Answer")


class Hook(Generic[Event, Answer]):
    """Subscribers called in the order they subscribed; subscribing twice is a no-op."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Callable[[Event], Answer]] = []

    def subscribe(self, subscriber: Callable[[Event], Answer]) -> Callable[[Event], Answer]:
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    def subscribers(self) -> tuple[Callable[[Event], Answer], ...]:
        return tuple(self._subscribers)

    def announce(self, event: Event) -> list[Answer]:
        return [subscriber(event) for subscriber in self._subscribers]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._subscribers)} subscribers>"


@dataclass(frozen=True)
class HitsCommitted:
    city: City
    hit_ids: tuple[int, ...]
    created: bool  # True: new hits; False: hits updated (a disposition)


@dataclass(frozen=True)
class HotlistProposed:
    city: City
    name: str
    source: str


@dataclass(frozen=True)
class HotlistEntryProposed:
    city: City
    plate: str
    reason: str


@dataclass(frozen=True)
class HotlistRefusal:
    rule: str
    message: str


hits_committed: Hook[HitsCommitted, None] = Hook("hits_committed")
hotlist_screens: Hook[HotlistProposed, HotlistRefusal | None] = Hook("hotlist_screens")
hotlist_entry_screens: Hook[HotlistEntryProposed, HotlistRefusal | None] = Hook("hotlist_entry_screens")
