"""Keys, statements and signature checks of the audit checkpoints (no writes here).

Kept apart from ``audits.checkpoints`` (which signs, and so writes through ``audits.services``) so
that ``audits.services.audit_verify_chain`` can hold a chain against its checkpoints without an
import cycle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audits import chain as chain_encoding
from audits.models import AuditEvent
from audits.reviews.models import Checkpoint

ALGORITHM = "Ed25519"


class CheckpointKeyMissing(ImproperlyConfigured):
    pass


def _key_path() -> Path:
    return Path(settings.STEWARD_CHECKPOINT_KEY_PATH)


@lru_cache(maxsize=4)
def _load_key(path: str, mtime: float) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key.")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The installation's checkpoint key, generated outside production when missing."""
    path = _key_path()
    if not path.exists():
        if settings.STEWARD_ENV == "production":
            raise CheckpointKeyMissing(
                f"The audit checkpoint key {path} is missing. Restore it from its backup (or, for a new "
                "installation, create one with `python manage.py audit_checkpoint --create-key`) and set "
                "STEWARD_CHECKPOINT_KEY_PATH to its path."
            )
        create_key(path)
    return _load_key(str(path), path.stat().st_mtime)


def create_key(path: Path) -> None:
    """Write a new Ed25519 key to ``path`` (mode 0600); refuse to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    return (
        (key or signing_key())
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def key_id_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()


def statement(
    *, chain: str, city: str | None, entries: int, head_hash: str, signed_at: dt.datetime, key_id: str
) -> bytes:
    """The exact bytes signed: canonical JSON, sorted keys, no spaces."""
    payload = {
        "algorithm": ALGORITHM,
        "chain": chain,
        "city": city,
        "entries": entries,
        "head_hash": head_hash,
        "key_id": key_id,
        "signed_at": chain_encoding.format_time(signed_at),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def statement_of(checkpoint: Checkpoint) -> bytes:
    return statement(
        chain=checkpoint.chain,
        city=str(checkpoint.city.public_id) if checkpoint.city_id else None,
        entries=checkpoint.entries,
        head_hash=checkpoint.head_hash,
        signed_at=checkpoint.signed_at,
        key_id=checkpoint.key_id,
    )


def signature_is_valid(checkpoint: Checkpoint, public_key: bytes | None = None) -> bool:
    raw = public_key if public_key is not None else public_key_bytes()
    if key_id_of(raw) != checkpoint.key_id:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(
            bytes.fromhex(checkpoint.signature), statement_of(checkpoint)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint: Checkpoint
    problem: str


def checkpoint_problems(
    *, chain: str, chain_entries: dict[int, str] | None = None
) -> list[CheckpointProblem]:
    """Published checkpoints of ``chain`` that the chain no longer matches, or whose signature fails.

    ``chain_entries`` (sequence -> hash) may be given by a caller that has just walked the chain.
    """
    name = chain
    checkpoints = list(
        Checkpoint.objects.filter(chain=name).select_related("city").order_by("entries", "signed_at")
    )
    if not checkpoints:
        return []
    if chain_entries is None:
        wanted = {c.entries for c in checkpoints}
        chain_entries = dict(
            AuditEvent.objects.filter(chain=name, sequence__in=wanted).values_list("sequence", "entry_hash")
        )
    last = (
        AuditEvent.objects.filter(chain=name).order_by("-sequence").values_list("sequence", flat=True).first()
        or 0
    )
    try:
        raw = public_key_bytes()
    except CheckpointKeyMissing:
        raw = None
    problems = []
    for checkpoint in checkpoints:
        if raw is not None and not signature_is_valid(checkpoint, raw):
            problems.append(
                CheckpointProblem(checkpoint, "its signature does not verify with the installation key")
            )
        elif checkpoint.entries == 0:
            continue
        elif last < checkpoint.entries:
            problems.append(
                CheckpointProblem(
                    checkpoint,
                    f"the chain ends at entry {last} but a checkpoint signed "
                    f"{chain_encoding.format_time(checkpoint.signed_at)} saw {checkpoint.entries} entries "
                    "(the newest entries were removed)",
                )
            )
        elif chain_entries.get(checkpoint.entries) != checkpoint.head_hash:
            problems.append(
                CheckpointProblem(
                    checkpoint,
                    f"entry {checkpoint.entries} no longer has the hash the checkpoint signed "
                    f"{chain_encoding.format_time(checkpoint.signed_at)} published",
                )
            )
    return problems
