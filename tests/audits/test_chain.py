"""The audit log is a per-city hash chain that cannot be edited in place and exposes tampering."""

import subprocess
import sys
import textwrap

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audits.models import AuditEvent
from audits.services import audit_record, audit_verify_all, audit_verify_chain
from tests.conftest import REPO, requires_postgres, subprocess_env

pytestmark = pytest.mark.django_db


def test_each_city_has_its_own_chain(city_a, city_b, officer_a):
    first = audit_record(event_type="test.one", city=city_a, actor=officer_a)
    audit_record(event_type="test.one", city=city_b)
    second = audit_record(event_type="test.two", city=city_a, details={"n": 2})
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.prev_hash == first.entry_hash
    assert AuditEvent.objects.get(city=city_b).sequence == 1
    assert first.agency == officer_a.agency and first.actor_username == officer_a.username


def test_verification_passes_on_an_intact_chain(city_a):
    for n in range(5):
        audit_record(
            event_type="test.event",
            city=city_a,
            details={"n": n, "text": "ünïcode"},
            client_address="::ffff:10.0.0.1",
        )
    result = audit_verify_chain(city=city_a)
    assert result.ok and result.entries == 5


def test_an_audit_entry_rolls_back_with_the_change_it_records(city_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(event_type="test.doomed", city=city_a)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(event_type="test.doomed").exists()
    assert audit_record(event_type="test.next", city=city_a).sequence == 1


@requires_postgres
def test_the_database_refuses_update_and_delete(city_a):
    event = audit_record(event_type="test.event", city=city_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="denied")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def _tamper(sql, params):
    """Change rows behind the trigger's back, as a database superuser could."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


@requires_postgres
def test_verification_names_the_first_altered_entry(city_a, capsys):
    events = [
        audit_record(event_type="search.performed", city=city_a, details={"reason": f"case {n}"})
        for n in range(6)
    ]
    _tamper(
        "UPDATE audits_auditevent SET details = %s WHERE id = %s", ['{"reason": "nothing"}', events[3].pk]
    )
    result = audit_verify_chain(city=city_a)
    assert not result.ok
    assert result.first_broken.pk == events[3].pk
    assert "altered" in result.problem
    with pytest.raises(CommandError, match="1 chain"):
        call_command("audit_verify", "--city", city_a.slug)
    assert f"entry 4 ({events[3].public_id}" in capsys.readouterr().out


@requires_postgres
def test_verification_catches_a_removed_entry(city_a):
    events = [audit_record(event_type="test.event", city=city_a) for _ in range(4)]
    _tamper("DELETE FROM audits_auditevent WHERE id = %s", [events[1].pk])
    result = audit_verify_chain(city=city_a)
    assert result.first_broken.pk == events[2].pk and "missing" in result.problem


def test_audit_verify_command_reports_every_chain(city_a, city_b, capsys):
    audit_record(event_type="test.event", city=city_a)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "OK      installation" in out and str(city_a) in out and str(city_b) in out


def test_audit_verify_rejects_an_unknown_city(db):
    with pytest.raises(CommandError, match="No city"):
        call_command("audit_verify", "--city", "atlantis")


def test_recorded_verification_lands_in_each_chain(city_a):
    audit_verify_all(record=True)
    assert AuditEvent.objects.filter(city=city_a, event_type="audit.verified", outcome="success").exists()


WRITER = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from audits.services import audit_record
    from portal.models import City
    cities = list(City.objects.filter(slug__in=sys.argv[1].split(",")))
    for n in range(int(sys.argv[2])):
        for city in cities:
            audit_record(event_type="test.concurrent", city=city, details={"writer": sys.argv[3], "n": n})
    """
)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_several_processes_leave_one_unbroken_chain_per_city(city_a, city_b):
    writers, per_writer = 4, 25
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, f"{city_a.slug},{city_b.slug}", str(per_writer), str(w)],
            cwd=REPO,
            env=subprocess_env(),
        )
        for w in range(writers)
    ]
    assert [p.wait(timeout=120) for p in processes] == [0] * writers
    for city in (city_a, city_b):
        result = audit_verify_chain(city=city)
        assert result.ok, result.problem
        assert result.entries == writers * per_writer
        sequences = list(
            AuditEvent.objects.filter(city=city).order_by("sequence").values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, writers * per_writer + 1))
