"""Row-level security on the city-owned tables, as the application's own role (issue 11).

The application's role (``db_app_role``) is not a superuser and has no BYPASSRLS, so the policies
forced by ``portal/migrations/0004_row_level_security.py`` hold for it: with no scope a query sees
no city-owned row, with a city's scope only that city's, and it cannot write a row into another
city. The same role cannot rewrite the audit log. The last test runs a real flow (device ingest
with a hit, a search, retention) through Django connected as that role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from audits.services import audit_record
from cameras import partitions
from cameras.models import Hit, HotlistSource, Read
from cameras.services import camera_create, hotlist_create, hotlist_entry_add, retention_purge
from portal.rls import CITY_OWNED_TABLES, POLICY, system_scope
from portal.roles import Role
from portal.tenancy import CityOwnedModel, city_scope
from sharing.models import Search
from tests.conftest import requires_postgres
from tests.factories import CameraFactory, city_user
from tests.portal.app_role import refused
from tests.sharing.conftest import PURPOSE, make_read

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def camera_1(city_a):
    return CameraFactory(city=city_a, name="North gate")


@pytest.fixture
def camera_b(city_b):
    return CameraFactory(city=city_b, name="Bravo main street")


def count(
    conn: psycopg.Connection, table: str, where: str = "true", params: list[object] | None = None
) -> int:
    row = conn.execute(f'SELECT count(*) FROM "{table}" WHERE {where}', params).fetchone()
    assert row is not None
    return int(row[0])


def set_city(conn: psycopg.Connection, city_id: int | str) -> None:
    conn.execute("SELECT set_config('steward.city_id', %s, false)", [str(city_id)])


def test_every_city_owned_table_and_read_partition_has_the_policy_forced() -> None:
    models = {
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, CityOwnedModel) and not model._meta.proxy
    }
    assert models == set(CITY_OWNED_TABLES)
    names = [
        *CITY_OWNED_TABLES,
        *(p.name for p in partitions.read_partitions()),
        partitions.DEFAULT_PARTITION,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = %s) "
            "FROM pg_class c WHERE c.relname = ANY(%s)",
            [POLICY, names],
        )
        rows = {name: (enabled, forced, policy) for name, enabled, forced, policy in cursor.fetchall()}
    assert set(rows) == set(names)
    assert {name for name, flags in rows.items() if flags != (True, True, True)} == set()


def test_a_month_created_later_gets_the_policy_too() -> None:
    far = timezone.now() + dt.timedelta(days=31 * 7)
    created = partitions.ensure_read_partitions(now=far, months_ahead=0)
    assert created == [f"cameras_read_p{partitions._month_start(far):%Y%m}"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = %s", created)
        assert cursor.fetchone() == (True,)


def test_the_application_role_sees_and_writes_one_city_at_a_time(
    app_connection: psycopg.Connection, city_a, city_b, camera_1, camera_b, officer_a
) -> None:
    conn = app_connection
    mine, theirs = make_read(camera_1, "ABC1234"), make_read(camera_b, "ABC1234")
    audit_record(event_type="test.entry", details={"n": 1})
    month = partitions.read_partitions()[-1].name if partitions.read_partitions() else "cameras_read"
    this_month = f"cameras_read_p{timezone.now().astimezone(dt.UTC):%Y%m}"
    assert this_month in {p.name for p in partitions.read_partitions()}, month

    # No scope: nothing, whichever way the table is reached, and nothing to change.
    assert count(conn, "cameras_read") == 0
    assert count(conn, this_month) == 0
    assert count(conn, "cameras_camera") == 0
    assert conn.execute("UPDATE cameras_read SET plate = 'X' RETURNING id").fetchall() == []
    assert conn.execute("DELETE FROM cameras_camera RETURNING id").fetchall() == []
    # An empty value (what a reset setting reads as) is no scope either.
    set_city(conn, "")
    assert count(conn, "cameras_read") == 0

    # A city's scope: that city's rows only, even when the query asks for the other's.
    set_city(conn, city_a.pk)
    assert count(conn, "cameras_read") == 1
    assert count(conn, "cameras_read", "city_id = %s", [city_b.pk]) == 0
    assert count(conn, this_month, "id = %s", [theirs.pk]) == 0
    row = conn.execute("SELECT public_id FROM cameras_read").fetchone()
    assert row is not None and row[0] == mine.public_id
    assert (
        conn.execute(
            "UPDATE cameras_read SET plate = plate WHERE id = %s RETURNING id", [theirs.pk]
        ).fetchall()
        == []
    )
    # Nor can it write a row into the other city, or move one there.
    assert refused(conn, "UPDATE cameras_camera SET city_id = %s", [city_b.pk])
    insert = (
        "INSERT INTO cameras_hotlist (public_id, city_id, name, source, priority, alert_dispatchers, "
        "share_alerts_with_partners, created_by_id, created_at) "
        "VALUES (gen_random_uuid(), %s, %s, 'local', 1, true, false, %s, now())"
    )
    assert not refused(conn, insert, [city_a.pk, "own", officer_a.pk])  # the same row in its own city is fine
    assert refused(conn, insert, [city_b.pk, "theirs", officer_a.pk])
    set_city(conn, city_b.pk)
    assert count(conn, "cameras_read") == 1
    row = conn.execute("SELECT public_id FROM cameras_read").fetchone()
    assert row is not None and row[0] == theirs.public_id

    # The audit log: append and read only, whatever the scope.
    assert count(conn, "audits_auditevent") >= 1
    assert refused(conn, "UPDATE audits_auditevent SET details = '{}'")
    assert refused(conn, "DELETE FROM audits_auditevent")
    assert refused(conn, "TRUNCATE audits_auditevent")
    assert refused(conn, "ALTER TABLE audits_auditevent DISABLE TRIGGER ALL")
    assert refused(conn, "SET session_replication_role = replica")
    # Nor can it turn the policies off.
    assert refused(conn, "ALTER TABLE cameras_read DISABLE ROW LEVEL SECURITY")
    assert refused(conn, f"DROP POLICY {POLICY} ON cameras_read")
    with system_scope(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cameras_read")
        assert cursor.fetchone() == (2,)


@contextmanager
def django_connected_as(role: str) -> Iterator[None]:
    """Django's own connection, as ``role``, for the block (the next query reconnects)."""
    connection.close()
    saved = connection.settings_dict["USER"]
    connection.settings_dict["USER"] = role
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"] = saved


def test_ingest_hits_search_and_retention_work_as_the_application_role(
    app_role: str, client, city_a, city_b, camera_b, officer_a
) -> None:
    clerk = city_user(city_a, Role.CLERK)
    camera, key = camera_create(city=city_a, by=clerk, name="Main & 1st", latitude="47.3", longitude="-122.2")
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen vehicle")
    make_read(camera_b, "ABC1234")  # the same plate in the other city
    old = make_read(camera, "OLD0001", ago=dt.timedelta(days=city_a.retention_days + 3))
    with django_connected_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_setting('is_superuser')")
            assert cursor.fetchone() == (app_role, "off")
            # Raw SQL without a scope sees no read.
            cursor.execute("SELECT count(*) FROM cameras_read")
            assert cursor.fetchone() == (0,)
        captured = (timezone.now() - dt.timedelta(minutes=2)).replace(microsecond=0)
        response = client.post(
            f"/api/v1/c/{city_a.slug}/cameras/{camera.public_id}/reads/",
            {"reads": [{"plate": "abc-1234", "confidence": 0.93, "captured_at": captured.isoformat()}]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Camera {key}",
        )
        assert response.status_code in (200, 201), response.content
        client.force_login(officer_a)
        response = client.post(
            f"/api/v1/c/{city_a.slug}/searches/",
            {"plate": "ABC1234", **PURPOSE},
            content_type="application/json",
        )
        assert response.status_code in (200, 201), response.content
        assert response.json()["result_count"] == 1
        with city_scope(city_a):
            # Raw SQL in the city's scope sees the city's reads and not the other's.
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM cameras_read WHERE plate = 'ABC1234'")
                assert cursor.fetchone() == (1,)
        purge = retention_purge(city=city_a)
        assert purge.reads_deleted == 1
    with city_scope(city_a):
        assert Hit.objects.filter(read__plate="ABC1234").count() == 1
        assert Search.objects.count() == 1
        assert not Read.objects.filter(pk=old.pk).exists()
    with city_scope(city_b):
        assert Read.objects.filter(plate="ABC1234").count() == 1


class Boom(Exception):
    pass


def raw_read_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cameras_read")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def test_the_scope_survives_rollbacks_and_changes_on_one_connection(
    app_role: str, city_a, city_b, camera_1, camera_b
) -> None:
    make_read(camera_1, "AAA1111")
    make_read(camera_b, "BBB2222")
    make_read(camera_b, "BBB3333")
    with django_connected_as(app_role):
        assert raw_read_count() == 0
        with city_scope(city_a):
            # Set first inside a transaction that rolls back (which undoes the set_config) ...
            with pytest.raises(Boom), transaction.atomic():
                assert raw_read_count() == 1
                raise Boom
            # ... so the backend sets it again for the next query.
            assert raw_read_count() == 1
            with transaction.atomic():
                with city_scope(city_b):
                    with pytest.raises(Boom), transaction.atomic():  # a savepoint rolled back
                        assert raw_read_count() == 2
                        raise Boom
                    assert raw_read_count() == 2
                assert raw_read_count() == 1
        assert raw_read_count() == 0
        with system_scope():
            assert raw_read_count() == 3
        assert raw_read_count() == 0
