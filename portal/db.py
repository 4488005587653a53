"""Database pieces shared by migrations."""

from collections.abc import Callable
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def postgres_only(create: list[str], drop: list[str]) -> migrations.RunPython:
    """A migration operation that runs raw SQL in PostgreSQL and nothing elsewhere.

    For what only PostgreSQL offers (triggers, trigram and btree_gin indexes); the embedded SQLite
    demo goes without them.
    """

    def run(statements: list[str]) -> Callable[[Any, BaseDatabaseSchemaEditor], None]:
        def operation(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement, params=None)

        return operation

    return migrations.RunPython(run(create), run(drop))


def append_only_table(table: str, what: str) -> migrations.RunPython:
    """In PostgreSQL, a trigger that refuses UPDATE and DELETE on ``table``.

    TRUNCATE is left to the database owner (test databases are flushed with it). Elsewhere the
    services simply offer no update or delete.
    """
    function = f"{table}_refuse_change"
    return postgres_only(
        create=[
            f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""",
            f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
""",
        ],
        drop=[
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {function}()",
        ],
    )
