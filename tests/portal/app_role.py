"""Connecting to the test database as the application's own role (``db_app_role``).

Helpers for the row-level security and database-role tests; the fixtures that create the role
(with the same management command production uses) and drop it after the test are in
``tests/portal/conftest.py``.
"""

from __future__ import annotations

import psycopg
from django.db import connection


def app_role_name() -> str:
    return f"steward_app_{connection.settings_dict['NAME']}"[:60]


def refused(conn: psycopg.Connection, statement: str, params: list[object] | None = None) -> bool:
    """True when the statement fails for this connection (permission, policy or trigger)."""
    try:
        conn.execute(statement, params)
    except psycopg.Error:
        return True
    return False
