"""Fixtures for the portal tests: the application's own database role and a connection as it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.portal.app_role import app_role_name


@pytest.fixture
def app_role() -> Iterator[str]:
    role = app_role_name()
    call_command("db_app_role", role=role)
    yield role
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def app_connection(app_role: str) -> Iterator[psycopg.Connection]:
    params = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        dbname=params["NAME"],
        user=app_role,
    )
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as error:
        pytest.skip(f"cannot connect as the application role: {error}")
    yield conn
    conn.close()
