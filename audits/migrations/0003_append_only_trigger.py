"""In PostgreSQL, refuse UPDATE and DELETE on the audit table at the database itself.

TRUNCATE is left to the database owner (test databases are flushed with it); the hash chain
still exposes anything removed that way, since the published checkpoints no longer match.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audits_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audits_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audits_auditevent
    FOR EACH ROW EXECUTE FUNCTION audits_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS audits_auditevent_append_only ON audits_auditevent;
DROP FUNCTION IF EXISTS audits_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audits", "0002_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
