"""The application's own database role cannot rewrite the audit log (issue 11).

Connects as the role that ``db_app_role`` creates, to the test database, and shows that UPDATE,
DELETE, TRUNCATE, DISABLE TRIGGER and ``session_replication_role`` all fail on the audit table,
while INSERT and SELECT (what the application needs) work.
"""

import pytest

from audits.services import audit_record
from tests.conftest import requires_postgres
from tests.portal.app_role import refused

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


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
