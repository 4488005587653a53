"""Create (or refresh) the application's PostgreSQL role, which owns nothing.

Run it as the owner role after ``migrate``:

    DATABASE_URL=postgres://steward_owner@db/steward python manage.py db_app_role --role steward_app

The application then connects as ``steward_app`` (``DATABASE_URL=postgres://steward_app@db/steward``).
That role may read and write the tables, but on the append-only tables (the audit log and the
permanent block list) only INSERT and SELECT. Because it owns no table it cannot ``ALTER TABLE ...
DISABLE TRIGGER`` and, holding no TRUNCATE privilege, it cannot truncate them; not being a superuser it
cannot ``SET session_replication_role`` to skip the triggers. Migrations keep running as the owner.
It is created ``NOBYPASSRLS``: the row-level security on the city-owned tables (portal/rls.py)
applies to it, so it sees a city's rows only in that city's scope.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from psycopg import sql

APPEND_ONLY_TABLES = ("audits_auditevent", "sharing_permanentblock")


def grant_statements(
    role: str, database: str, *, password: str | None, owner: str | None = None
) -> list[sql.Composable]:
    ident = sql.Identifier(role)
    create = sql.SQL(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN "
        "CREATE ROLE {ident} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION; "
        "END IF; END $$"
    ).format(name=sql.Literal(role), ident=ident)
    statements: list[sql.Composable] = [
        create,
        sql.SQL("ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION").format(ident),
    ]
    if password:
        statements.append(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
    statements += [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(ident),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(ident),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident),
    ]
    if owner:
        # Tables the owner makes later (the monthly read partitions) are usable by the role too.
        statements += [
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(sql.Identifier(owner), ident),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
            ).format(sql.Identifier(owner), ident),
        ]
    for table in APPEND_ONLY_TABLES:
        statements += [
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {} FROM {}").format(
                sql.Identifier(table), ident
            ),
            sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(table), ident),
        ]
    return statements


class Command(BaseCommand):
    help = "Create or refresh the application's PostgreSQL role (owns nothing; audit log INSERT+SELECT only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", default="steward_app")
        parser.add_argument("--password", default=None, help="set or change the role's password")

    def handle(self, *args: Any, role: str, password: str | None, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The application role is a PostgreSQL feature (SQLite has no roles).")
        database = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            row = cursor.fetchone()
            owner = row[0] if row is not None else None
            if owner == role:
                raise CommandError("Run this as the owner role, not as the application role.")
            for statement in grant_statements(role, database, password=password, owner=owner):
                cursor.execute(statement)
        self.stdout.write(f"Role {role} may use {database}; the audit log is INSERT and SELECT only.")
