"""Signed checkpoints: what a hash chain alone cannot show (a removed tail, a consistent rewrite) is caught."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import connection

from audits import chain as chain_encoding
from audits.checkpoints import (
    CheckpointKeyMissing,
    checkpoint_sign,
    checkpoint_sign_all,
    signature_is_valid,
    signing_key,
)
from audits.models import INSTALLATION_CHAIN, AuditEvent
from audits.reviews.models import Checkpoint
from audits.services import audit_record, audit_verify_chain, compute_hash
from tests.conftest import requires_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def key_file(settings, tmp_path):
    settings.STEWARD_CHECKPOINT_KEY_PATH = tmp_path / "keys" / "checkpoint.pem"
    return settings.STEWARD_CHECKPOINT_KEY_PATH


def _entries(city, n=6):
    return [audit_record(event_type="test.event", city=city, details={"n": i}) for i in range(n)]


def _tamper(*statements):
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def test_a_checkpoint_signs_the_head_and_lands_in_the_installation_chain(city_a, city_b, key_file):
    events = _entries(city_a, 3)
    checkpoints = checkpoint_sign_all(reason="daily")
    mine = next(c for c in checkpoints if c.city_id == city_a.pk)
    assert (mine.entries, mine.head_hash) == (3, events[-1].entry_hash)
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0  # a file outside the database, 0600
    assert signature_is_valid(mine)
    recorded = AuditEvent.objects.get(
        chain=INSTALLATION_CHAIN, event_type="audit.checkpoint", target_id=str(city_a.public_id)
    )
    assert recorded.details["head_hash"] == events[-1].entry_hash and recorded.details["entries"] == 3
    installation = next(c for c in checkpoints if c.city_id is None)
    assert installation.entries == AuditEvent.objects.filter(chain=INSTALLATION_CHAIN).count()
    assert audit_verify_chain(city=city_a).ok and audit_verify_chain(city=None).ok


def test_the_published_json_verifies_with_its_public_key(client, city_a):
    _entries(city_a, 2)
    checkpoint_sign(city=city_a, reason="daily")
    document = client.get(f"/p/{city_a.slug}/checkpoints.json").json()
    assert document["algorithm"] == "Ed25519" and len(document["checkpoints"]) == 1
    published = document["checkpoints"][0]
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(document["public_key"]))
    key.verify(bytes.fromhex(published["signature"]), published["statement"].encode())  # raises if forged
    assert json.loads(published["statement"])["entries"] == 2


def test_a_forged_checkpoint_row_fails_its_signature(city_a):
    _entries(city_a, 2)
    checkpoint = checkpoint_sign(city=city_a, reason="daily")
    Checkpoint.objects.filter(pk=checkpoint.pk).update(entries=1)
    result = audit_verify_chain(city=city_a)
    assert not result.ok and "signature" in result.problem


def test_production_without_the_key_is_a_clear_error(settings, key_file):
    settings.STEWARD_ENV = "production"
    with pytest.raises(CheckpointKeyMissing, match="checkpoint key .* is missing"):
        signing_key()
    assert not key_file.exists()


@requires_postgres
def test_audit_verify_catches_an_edited_entry(city_a):
    events = _entries(city_a)
    checkpoint_sign(city=city_a, reason="daily")
    _tamper(("UPDATE audits_auditevent SET details = %s WHERE id = %s", ['{"n": 99}', events[2].pk]))
    result = audit_verify_chain(city=city_a)
    assert result.first_broken.pk == events[2].pk and "altered" in result.problem


@requires_postgres
def test_audit_verify_catches_a_removed_entry(city_a):
    events = _entries(city_a)
    checkpoint_sign(city=city_a, reason="daily")
    _tamper(("DELETE FROM audits_auditevent WHERE id = %s", [events[3].pk]))
    result = audit_verify_chain(city=city_a)
    assert result.first_broken.pk == events[4].pk and "missing" in result.problem


@requires_postgres
def test_audit_verify_catches_reordered_entries(city_a):
    events = _entries(city_a)
    checkpoint_sign(city=city_a, reason="daily")
    a, b = events[1], events[2]
    _tamper(
        ("UPDATE audits_auditevent SET sequence = 0 WHERE id = %s", [a.pk]),
        ("UPDATE audits_auditevent SET sequence = %s WHERE id = %s", [a.sequence, b.pk]),
        ("UPDATE audits_auditevent SET sequence = %s WHERE id = %s", [b.sequence, a.pk]),
    )
    result = audit_verify_chain(city=city_a)
    assert not result.ok and result.first_broken.pk == b.pk


@requires_postgres
def test_audit_verify_catches_a_removed_tail(city_a):
    events = _entries(city_a)
    checkpoint_sign(city=city_a, reason="daily")
    _tamper(("DELETE FROM audits_auditevent WHERE id IN (%s, %s)", [events[-1].pk, events[-2].pk]))
    result = audit_verify_chain(city=city_a)
    # What is left is still a valid hash chain (no entry is named broken) ...
    assert result.first_broken is None and result.entries == 4
    # ... which the signed checkpoint shows to be short.
    assert not result.ok and "the newest entries were removed" in result.problem


@requires_postgres
def test_the_command_reports_a_removed_tail_against_the_checkpoint(city_a, capsys):
    events = _entries(city_a)
    checkpoint_sign(city=city_a, reason="daily")
    audit_record(event_type="test.after", city=city_a)
    _tamper(
        (
            "DELETE FROM audits_auditevent WHERE chain = %s AND sequence >= %s",
            [events[0].chain, events[-2].sequence],
        )
    )
    with pytest.raises(CommandError, match="1 chain"):
        call_command("audit_verify", "--city", city_a.slug)
    out = capsys.readouterr().out
    assert "BROKEN" in out and "the chain ends at entry 4" in out and "saw 6 entries" in out


@requires_postgres
def test_a_consistent_rewrite_of_a_city_chain_is_caught(city_a):
    """An operator who edits an entry and recomputes every hash after it keeps a valid chain; the
    signed head (and the copy in the installation chain) no longer matches."""
    events = _entries(city_a)
    checkpoint_sign(city=city_a, reason="daily")
    rows = list(AuditEvent.objects.filter(city=city_a).order_by("sequence"))
    rows[1].details = {"n": "rewritten"}
    prev = rows[0].entry_hash
    statements = []
    for row in rows[1:]:
        row.prev_hash = prev
        row.entry_hash = compute_hash(row)
        prev = row.entry_hash
        statements.append(
            (
                "UPDATE audits_auditevent SET details = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",
                [json.dumps(row.details), row.prev_hash, row.entry_hash, row.pk],
            )
        )
    _tamper(*statements)
    result = audit_verify_chain(city=city_a)
    assert result.first_broken is None and not result.ok
    assert f"entry {len(events)} no longer has the hash" in result.problem
    assert chain_encoding.GENESIS_HASH not in result.problem


def test_checkpoints_are_signed_at_each_review_and_by_the_daily_task(city_a):
    from audits.tasks import audit_checkpoint_daily

    _entries(city_a, 1)
    assert audit_checkpoint_daily() == 2  # the city and the installation
    assert Checkpoint.objects.filter(reason="daily").count() == 2
