"""Row-level security forced on every city-owned table (issue 11; portal/rls.py, ADR 0011).

PostgreSQL only: SQLite has no row-level security and keeps the ORM scoping alone. The monthly
partitions of ``cameras_read`` get the same policy (a query naming a partition directly is checked
against the partition's policies, not the parent's); ``cameras.partitions`` adds it to each month
it creates later.
"""

from django.db import migrations

from portal.rls import drop_policy_statements, policy_statements

TABLES = (
    "audits_review",
    "audits_finding",
    "audits_federaloperation",
    "cameras_camera",
    "cameras_frame",
    "cameras_read",
    "cameras_retentionpurge",
    "cameras_hotlist",
    "cameras_hotlistentry",
    "cameras_hit",
    "cameras_cameraedge",
    "cameras_cameraheartbeat",
    "cameras_camerahealthchange",
    "sharing_citypolicy",
    "sharing_sharingagreement",
    "sharing_search",
    "sharing_revocationcase",
    "sharing_permanentblock",
)


def _tables_and_partitions(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('cameras_read') ORDER BY c.relname"
        )
        partitions = [row[0] for row in cursor.fetchall()]
    return [*TABLES, *partitions]


def enable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables_and_partitions(schema_editor):
        for statement in policy_statements(table):
            schema_editor.execute(statement, params=None)


def disable(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables_and_partitions(schema_editor):
        for statement in drop_policy_statements(table):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_user_supervises_agency"),
        ("audits", "0004_reviews_and_checkpoints"),
        ("cameras", "0008_reads_partitioned_by_month"),
        ("sharing", "0005_search_decision_held"),
    ]

    operations = [migrations.RunPython(enable, disable)]
