"""On SQLite (the embedded default) the audit log and the permanent block list refuse UPDATE and
DELETE at the database, as the PostgreSQL trigger does (migrations audits 0005, sharing 0006).

The suite normally runs on PostgreSQL, so one test migrates a fresh SQLite file in a subprocess
(``manage.py migrate`` with no ``DATABASE_URL``) and tries both through the ORM and through a plain
``sqlite3`` connection to the file; the other runs in-process when the suite itself is on SQLite.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from django.db import DatabaseError, connection, transaction

from audits.models import AuditEvent
from audits.services import audit_record
from tests.conftest import REPO

ORM_PROBE = textwrap.dedent(
    """
    import json
    from django.db import DatabaseError, transaction
    from audits.models import AuditEvent
    from audits.services import audit_record

    event = audit_record(event_type="test.sqlite_probe", details={"n": 1})
    outcome = {"vendor": __import__("django.db").db.connection.vendor}
    for name, change in (
        ("update", lambda: AuditEvent.objects.filter(pk=event.pk).update(outcome="denied")),
        ("delete", lambda: AuditEvent.objects.filter(pk=event.pk).delete()),
        ("save", lambda: (setattr(event, "details", {"n": 2}), event.save())),
    ):
        try:
            with transaction.atomic():
                change()
            outcome[name] = "allowed"
        except DatabaseError as error:
            outcome[name] = str(error)
    row = AuditEvent.objects.filter(pk=event.pk).values("outcome", "details").get()
    outcome["row"] = row
    print("PROBE " + json.dumps(outcome))
    """
)


def _embedded_env(var_dir) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL", "CELERY_BROKER_URL")
    }
    env.update(
        {
            "STEWARD_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def test_a_fresh_sqlite_database_refuses_update_and_delete_on_the_audit_log(tmp_path):
    env = _embedded_env(tmp_path)
    manage = [sys.executable, str(REPO / "manage.py")]
    migrated = subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    probe = subprocess.run(
        [*manage, "shell", "-c", ORM_PROBE], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    line = next(line for line in probe.stdout.splitlines() if line.startswith("PROBE "))
    outcome = json.loads(line.removeprefix("PROBE "))
    assert outcome["vendor"] == "sqlite"
    for name in ("update", "delete", "save"):
        assert "append-only" in outcome[name], outcome
    assert outcome["row"] == {"outcome": "success", "details": {"n": 1}}

    # A plain connection to the file (no Django at all) is refused the same way.
    database = sqlite3.connect(tmp_path / "steward.sqlite3")
    try:
        for statement in (
            "UPDATE audits_auditevent SET details = '{}'",
            "DELETE FROM audits_auditevent",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="audit log is append-only"):
                database.execute(statement)
        assert database.execute("SELECT count(*) FROM audits_auditevent").fetchone()[0] == 1

        # The permanent block list: a row put in with foreign keys off (none exists yet), then the same.
        database.execute("PRAGMA foreign_keys = OFF")
        database.execute(
            "INSERT INTO sharing_permanentblock (public_id, agency_id, agency_name, covered_names, case_id,"
            " created_by_id, created_at, city_id) VALUES ('00000000000000000000000000000001', 1, 'X', '[]',"
            " 1, 1, '2026-01-01 00:00:00', 1)"
        )
        for statement in (
            "UPDATE sharing_permanentblock SET agency_name = 'lifted'",
            "DELETE FROM sharing_permanentblock",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="permanent block list is append-only"):
                database.execute(statement)
        assert database.execute("SELECT agency_name FROM sharing_permanentblock").fetchall() == [("X",)]
    finally:
        database.close()


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the suite runs on PostgreSQL (test_chain covers it)"
)
def test_in_this_sqlite_database_update_and_delete_are_refused(city_a):
    event = audit_record(event_type="test.event", city=city_a)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="denied")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
