"""Writing to the audit log. The only way rows enter ``AuditEvent``."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from audits import chain as chain_encoding
from audits.events import EventType
from audits.models import INSTALLATION_CHAIN, AuditEvent, Outcome
from portal.models import Agency, City, User

_LOCK_NAMESPACE = 7_301  # first key of pg_advisory_xact_lock(int, int) for audit chains


# The refusals written while one request is answered (``portal.access.AccessRuleMiddleware`` opens
# the watch): a 4xx answer with none is recorded there, so that no refusal goes unrecorded and none
# twice. A list, mutated rather than set, so that it is seen whatever context copies run the view.
_refusals_of_request: ContextVar[list[str] | None] = ContextVar("steward_request_refusals", default=None)


@contextmanager
def refusals_watched() -> Iterator[list[str]]:
    """Collect, for the block, the rules of the refusals recorded (or deliberately not repeated)."""
    noted: list[str] = []
    token = _refusals_of_request.set(noted)
    try:
        yield noted
    finally:
        _refusals_of_request.reset(token)


def refusal_noted(rule: str) -> None:
    """Tell the current request's watch, if any, that its refusal is accounted for."""
    noted = _refusals_of_request.get()
    if noted is not None:
        noted.append(rule)


def chain_name(city: City | None) -> str:
    return f"city:{city.public_id}" if city is not None else INSTALLATION_CHAIN


def client_address_of(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None


def _lock_chain(chain: str) -> None:
    """Serialise appends to one chain until the surrounding transaction ends.

    PostgreSQL: a transaction-scoped advisory lock per chain, so concurrent writers (web workers,
    Celery workers) queue instead of forking the chain. SQLite runs every transaction with
    ``BEGIN IMMEDIATE`` (settings), which already serialises writers.
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(chain.encode()) - 2**31
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, key])


def audit_record(
    *,
    event_type: str,
    city: City | None = None,
    actor: User | None = None,
    agency: Agency | None = None,
    target_type: str = "",
    target_id: str = "",
    details: dict[str, Any] | None = None,
    outcome: str = Outcome.SUCCESS,
    request: HttpRequest | None = None,
    client_address: str | None = None,
) -> AuditEvent:
    """Append one event to ``city``'s chain (the installation chain when ``city`` is None).

    Runs inside the caller's transaction when there is one, so the event commits or rolls back with
    the change it records. The chain stays locked until that transaction ends.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    if agency is None and actor is not None and actor.agency_id is not None:
        agency = actor.agency
    name = chain_name(city)
    with transaction.atomic():
        _lock_chain(name)
        last = (
            AuditEvent.objects.filter(chain=name)
            .order_by("-sequence")
            .values("sequence", "entry_hash")
            .first()
        )
        sequence = (last["sequence"] + 1) if last else 1
        prev_hash = last["entry_hash"] if last else chain_encoding.GENESIS_HASH
        event = AuditEvent(
            chain=name,
            sequence=sequence,
            city=city,
            occurred_at=timezone.now(),
            actor=actor,
            actor_username=actor.get_username() if actor is not None else "",
            agency=agency,
            agency_name=agency.name if agency is not None else "",
            event_type=event_type,
            target_type=target_type,
            target_id=str(target_id),
            details=chain_encoding.canonical_details(details),
            outcome=str(outcome),
            client_address=chain_encoding.canonical_address(client_address or client_address_of(request)),
            prev_hash=prev_hash,
        )
        event.entry_hash = compute_hash(event)
        event.save(force_insert=True)
    if event.outcome in (Outcome.DENIED, Outcome.FAILURE):
        refusal_noted(event_type)
    return event


def compute_hash(event: AuditEvent) -> str:
    return chain_encoding.entry_hash(
        chain=event.chain,
        sequence=event.sequence,
        city=str(event.city.public_id) if event.city_id else None,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        agency_id=event.agency_id,
        agency_name=event.agency_name,
        event_type=event.event_type,
        target_type=event.target_type,
        target_id=event.target_id,
        details=event.details,
        outcome=event.outcome,
        client_address=chain_encoding.canonical_address(event.client_address),
        prev_hash=event.prev_hash,
    )


@dataclass(frozen=True)
class ChainVerification:
    chain: str
    city: City | None
    entries: int
    first_broken: AuditEvent | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None and not self.problem


def audit_verify_chain(*, city: City | None) -> ChainVerification:
    """Recompute a chain from its first entry and name the first entry that does not hold."""
    name = chain_name(city)
    expected_prev = chain_encoding.GENESIS_HASH
    expected_sequence = 1
    count = 0
    from audits.reviews.models import Checkpoint

    published = set(Checkpoint.objects.filter(chain=name).values_list("entries", flat=True))
    seen_at_checkpoints: dict[int, str] = {}
    events = AuditEvent.objects.filter(chain=name).select_related("city").order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        count += 1
        if event.sequence in published:
            seen_at_checkpoints[event.sequence] = event.entry_hash
        problem = ""
        if event.sequence != expected_sequence:
            problem = f"entry {expected_sequence} is missing (found {event.sequence} next)"
        elif event.prev_hash != expected_prev:
            problem = "its previous-entry hash does not match the entry before it"
        elif compute_hash(event) != event.entry_hash:
            problem = "its contents do not match its hash (the entry was altered)"
        elif (event.city_id is None) != (name == INSTALLATION_CHAIN):
            problem = "it belongs to another chain"
        if problem:
            return ChainVerification(
                chain=name, city=city, entries=count, first_broken=event, problem=problem
            )
        expected_prev = event.entry_hash
        expected_sequence += 1
    if published:
        # A valid chain can still be a shortened or rewritten one: hold it against what was signed.
        from audits.signing import checkpoint_problems

        problems = checkpoint_problems(chain=name, chain_entries=seen_at_checkpoints)
        if problems:
            return ChainVerification(
                chain=name, city=city, entries=count, problem="; ".join(p.problem for p in problems)
            )
    return ChainVerification(chain=name, city=city, entries=count)


def audit_verify_all(*, record: bool = False) -> list[ChainVerification]:
    """Verify the installation chain and every city's chain; optionally record each result."""
    results = [audit_verify_chain(city=None)]
    results += [audit_verify_chain(city=city) for city in City.objects.order_by("slug")]
    if record:
        for result in results:
            audit_record(
                event_type=EventType.AUDIT_VERIFIED,
                city=result.city,
                details={
                    "entries": result.entries,
                    "ok": result.ok,
                    "first_broken": result.first_broken.sequence if result.first_broken else None,
                    "problem": result.problem,
                },
                outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
            )
    return results
