"""The canonical encoding and hash of an audit entry. Pure functions: no database here.

The encoding is JSON with sorted keys and no insignificant white space, over every field that an
auditor relies on. Timestamps are UTC with microseconds, addresses in their compressed form and
details as they come back from the database, so that the hash computed on write is the hash
recomputed on verification.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_details(details: dict[str, Any] | None) -> dict[str, Any]:
    """Details reduced to plain JSON values (what the JSON column gives back)."""
    return json.loads(json.dumps(details or {}, sort_keys=True, default=str))


def canonical_address(address: str | None) -> str | None:
    if not address:
        return None
    return ipaddress.ip_address(address).compressed


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    chain: str,
    sequence: int,
    city: str | None,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_username: str,
    agency_id: int | None,
    agency_name: str,
    event_type: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any],
    outcome: str,
    client_address: str | None,
    prev_hash: str,
) -> str:
    payload = {
        "chain": chain,
        "sequence": sequence,
        "city": city,
        "occurred_at": format_time(occurred_at),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "agency_id": agency_id,
        "agency_name": agency_name,
        "event_type": event_type,
        "target_type": target_type,
        "target_id": target_id,
        "details": details,
        "outcome": outcome,
        "client_address": client_address,
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
