"""Row-level security on held searches, as on every other city-owned table (portal 0004, ADR 0011)."""

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from portal.rls import drop_policy_statements, policy_statements

TABLE = "sharing_searchhold"


def enable(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in policy_statements(TABLE):
            schema_editor.execute(statement, params=None)


def disable(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in drop_policy_statements(TABLE):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_row_level_security"),
        ("sharing", "0008_agreement_draft_editors"),
    ]

    operations = [migrations.RunPython(enable, disable)]
