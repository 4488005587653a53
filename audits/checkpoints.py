"""Signed checkpoints of the audit chains.

A hash chain shows an altered, removed or reordered entry, but not a removed *tail*: delete the
newest entries and what is left is still a valid chain. So daily, and at each monthly review, each
city's chain head (count, last hash, time) is signed with the installation's Ed25519 key and
published; each city's head is also written into the installation chain, so one city's operator
cannot quietly rewrite its own history. ``audit_verify`` compares every chain with every
checkpoint published for it.

The private key is a PEM file outside the database (``STEWARD_CHECKPOINT_KEY_PATH``). Outside
production a key is generated there when the file is missing; in production a missing key is a
configuration error, never a silent new key (which would orphan every published checkpoint).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audits import chain as chain_encoding
from audits.events import EventType
from audits.models import INSTALLATION_CHAIN, AuditEvent
from audits.reviews.models import Checkpoint, CheckpointReason
from audits.services import _lock_chain, audit_record, chain_name
from audits.signing import (  # noqa: F401  (the public names of checkpoints live here too)
    ALGORITHM,
    CheckpointKeyMissing,
    CheckpointProblem,
    checkpoint_problems,
    create_key,
    key_id_of,
    public_key_bytes,
    signature_is_valid,
    signing_key,
    statement,
    statement_of,
)
from portal.models import City


def _head(chain: str) -> tuple[int, str]:
    last = (
        AuditEvent.objects.filter(chain=chain).order_by("-sequence").values("sequence", "entry_hash").first()
    )
    return (last["sequence"], last["entry_hash"]) if last else (0, chain_encoding.GENESIS_HASH)


def checkpoint_sign(*, city: City | None, reason: str) -> Checkpoint:
    """Sign ``city``'s chain head (the installation chain's when None) and, for a city, write the
    head into the installation chain, in one transaction."""
    if reason not in CheckpointReason.values:
        raise ValueError(f"unknown checkpoint reason {reason!r}")
    key = signing_key()
    key_id = key_id_of(public_key_bytes(key))
    name = chain_name(city)
    with transaction.atomic():
        _lock_chain(name)  # no entry lands between reading the head and signing it
        entries, head_hash = _head(name)
        signed_at = timezone.now()
        signature = key.sign(
            statement(
                chain=name,
                city=str(city.public_id) if city else None,
                entries=entries,
                head_hash=head_hash,
                signed_at=signed_at,
                key_id=key_id,
            )
        ).hex()
        checkpoint = Checkpoint.objects.create(
            chain=name,
            city=city,
            entries=entries,
            head_hash=head_hash,
            signed_at=signed_at,
            reason=reason,
            key_id=key_id,
            signature=signature,
        )
        if city is not None:
            audit_record(
                event_type=EventType.AUDIT_CHECKPOINT,
                city=None,
                target_type="city",
                target_id=str(city.public_id),
                details={
                    "chain": name,
                    "city": city.slug,
                    "entries": entries,
                    "head_hash": head_hash,
                    "signed_at": chain_encoding.format_time(signed_at),
                    "signature": signature,
                    "reason": reason,
                },
            )
    return checkpoint


def checkpoint_sign_all(*, reason: str) -> list[Checkpoint]:
    """Every city's head, then the installation chain's (which now holds those heads)."""
    checkpoints = [checkpoint_sign(city=city, reason=reason) for city in City.objects.order_by("slug")]
    checkpoints.append(checkpoint_sign(city=None, reason=reason))
    return checkpoints


def published_checkpoints(*, city: City, limit: int = 60) -> dict:
    """The JSON document of a city's checkpoints (and the key to check them with)."""
    raw = public_key_bytes()
    rows = (
        Checkpoint.objects.filter(chain=chain_name(city))
        .select_related("city")
        .order_by("-signed_at")[:limit]
    )
    return {
        "city": city.slug,
        "chain": chain_name(city),
        "algorithm": ALGORITHM,
        "public_key": raw.hex(),
        "key_id": key_id_of(raw),
        "installation_chain": INSTALLATION_CHAIN,
        "checkpoints": [
            {
                "entries": c.entries,
                "head_hash": c.head_hash,
                "signed_at": chain_encoding.format_time(c.signed_at),
                "reason": c.reason,
                "key_id": c.key_id,
                "signature": c.signature,
                "statement": statement_of(c).decode(),
            }
            for c in rows
        ],
    }
