"""The application's own database role cannot rewrite the audit log (issue 11).

Connects as the role that ``db_app_role`` creates, to the test database, and shows that UPDATE,
DELETE, TRUNCATE, DISABLE TRIGGER and ``session_replication_role`` all fail on the audit table,
while INSERT and SELECT (what the application needs) work.
"""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from audits.services import audit_record
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def app_connection():
    params = connection.settings_dict
    role = f"steward_app_{params['NAME']}"[:60]
    call_command("db_app_role", role=role)
    conninfo = psycopg.conninfo.make_conninfo(
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        dbname=params["NAME"],
        user=role,
    )
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"cannot connect as the application role: {error}")
    yield conn
    conn.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


def refused(conn, statement: str) -> bool:
    try:
        conn.execute(statement)
    except psycopg.Error:
        return True
    return False


def test_the_application_role_may_only_append_to_and_read_the_audit_log(app_connection):
    audit_record(event_type="test.entry", details={"n": 1})
    conn = app_connection
    assert conn.execute("SELECT count(*) FROM audits_auditevent").fetchone()[0] >= 1
    assert conn.execute("SELECT current_setting('is_superuser')").fetchone()[0] == "off"
    assert refused(conn, "UPDATE audits_auditevent SET details = '{}'")
    assert refused(conn, "DELETE FROM audits_auditevent")
    assert refused(conn, "TRUNCATE audits_auditevent")
    assert refused(conn, "ALTER TABLE audits_auditevent DISABLE TRIGGER ALL")
    assert refused(conn, "ALTER TABLE audits_auditevent DISABLE TRIGGER audits_auditevent_append_only")
    assert refused(conn, "SET session_replication_role = replica")
    assert refused(conn, "TRUNCATE sharing_permanentblock")
    assert refused(conn, "DROP TABLE audits_auditevent")
    assert refused(conn, "CREATE TABLE steward_intruder (id int)")
    # The audit log is untouched.
    assert conn.execute("SELECT count(*) FROM audits_auditevent").fetchone()[0] >= 1


def test_the_application_role_can_do_its_ordinary_work(app_connection):
    conn = app_connection
    conn.execute("SELECT count(*) FROM cameras_read")
    conn.execute("SELECT count(*) FROM portal_city")
    conn.execute("UPDATE portal_city SET name = name WHERE false")
