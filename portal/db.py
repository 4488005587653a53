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


# Tables that refuse UPDATE and DELETE in every database (PostgreSQL: append_only_table; SQLite:
# sqlite_append_only_table), with what the refusal calls them.
APPEND_ONLY_TABLES: dict[str, str] = {
    "audits_auditevent": "audit log",
    "sharing_permanentblock": "the permanent block list",
}


def sqlite_append_only_sql(table: str, what: str) -> tuple[list[str], list[str]]:
    """The SQLite statements that create, and that drop, the two triggers refusing UPDATE and DELETE."""
    create = [
        f"""
CREATE TRIGGER IF NOT EXISTS {table}_refuse_{op.lower()}
    BEFORE {op} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{what} is append-only: {op} refused on {table}');
END;
"""
        for op in ("UPDATE", "DELETE")
    ]
    drop = [f"DROP TRIGGER IF EXISTS {table}_refuse_{op.lower()}" for op in ("UPDATE", "DELETE")]
    return create, drop


def sqlite_append_only_table(table: str, what: str) -> migrations.RunPython:
    """In SQLite (the embedded default), triggers that refuse UPDATE and DELETE on ``table``, so
    that an append-only table behaves there as it does in PostgreSQL (``append_only_table``).

    SQLite has no roles: whoever holds the file can drop the triggers. They make the application
    and the embedded demo behave as in PostgreSQL (a service that tried to edit or delete an entry
    fails the same way), not guard the file. SQLite drops a table's triggers with the table, so a
    later migration that makes SQLite rebuild ``table`` (most column changes do) must run this
    again; ``tests/audits/test_sqlite_triggers.py`` migrates a fresh SQLite file and checks.
    """
    create, drop = sqlite_append_only_sql(table, what)

    def run(statements: list[str]) -> Callable[[Any, BaseDatabaseSchemaEditor], None]:
        def operation(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
            if schema_editor.connection.vendor == "sqlite":
                for statement in statements:
                    schema_editor.execute(statement, params=None)

        return operation

    return migrations.RunPython(run(create), run(drop))
