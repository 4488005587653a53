"""Searches on a read replica: the router, its lag bound and its fallback to the primary.

The "replica" alias is a second connection to the test database (what a streaming replica is to
the application); the lag a real replica would report is simulated by overriding the lag probe.
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal import routers
from sharing.grants import grant_for
from sharing.selectors import ReadQuery
from sharing.services import search_run
from tests.factories import CameraFactory
from tests.sharing.conftest import PURPOSE, make_read

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def camera_1(city_a):
    return CameraFactory(city=city_a, name="North gate")


@pytest.fixture
def replica_alias(settings):
    """Adds the ``replica`` alias for one test; ``name`` is the database it points at."""

    def add(name: str | None = None):
        # A second connection to the test database, made here (not from settings) so that it is
        # the test's own: what a streaming replica is to the application.
        replica = connections.create_connection("default")
        replica.alias = routers.REPLICA_ALIAS
        if name:
            replica.settings_dict = {**replica.settings_dict, "NAME": name}
        connections[routers.REPLICA_ALIAS] = replica
        return replica

    settings.DATABASE_REPLICA_LAG_CHECK_SECONDS = 0
    routers._last_check.clear()
    yield add
    if routers.replica_configured():
        connections[routers.REPLICA_ALIAS].close()
        del connections[routers.REPLICA_ALIAS]
    routers._last_check.clear()


def run_search(officer, city):
    primary, replica = connections["default"], connections[routers.REPLICA_ALIAS]
    with CaptureQueriesContext(primary) as on_primary, CaptureQueriesContext(replica) as on_replica:
        result = search_run(grant=grant_for(officer, city), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    return (
        result,
        [q["sql"] for q in on_primary.captured_queries],
        [q["sql"] for q in on_replica.captured_queries],
    )


def reads_in(queries) -> bool:
    return any('FROM "cameras_read"' in sql for sql in queries)


def test_without_a_replica_everything_reads_the_primary(city_a):
    assert not routers.replica_configured()
    with routers.reads_from_replica() as alias:
        assert alias == "default"


def test_a_fresh_replica_answers_the_read_query_and_the_record_stays_on_the_primary(
    replica_alias, city_a, officer_a, camera_1
):
    replica_alias()
    read = make_read(camera_1, "ABC1234")
    assert routers.replica_lag_seconds() == 0  # a server not in recovery reports no lag
    result, on_primary, on_replica = run_search(officer_a, city_a)
    assert [row.pk for row in result.reads] == [read.pk]
    assert reads_in(on_replica) and not reads_in(on_primary)
    assert any('INSERT INTO "sharing_search"' in sql for sql in on_primary)
    assert any('INSERT INTO "audits_auditevent"' in sql for sql in on_primary)
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for sql in on_replica)


def test_a_replica_past_the_lag_bound_is_skipped_for_the_primary(
    replica_alias, monkeypatch, settings, city_a, officer_a, camera_1
):
    replica_alias()
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 5
    read = make_read(camera_1, "ABC1234")
    monkeypatch.setattr(routers, "replica_lag_seconds", lambda alias=routers.REPLICA_ALIAS: 30.0)
    result, on_primary, on_replica = run_search(officer_a, city_a)
    assert [row.pk for row in result.reads] == [read.pk]
    assert reads_in(on_primary) and not reads_in(on_replica)
    # Back within the bound: back on the replica.
    monkeypatch.setattr(routers, "replica_lag_seconds", lambda alias=routers.REPLICA_ALIAS: 4.0)
    result, on_primary, on_replica = run_search(officer_a, city_a)
    assert reads_in(on_replica) and not reads_in(on_primary)


def test_an_unreachable_replica_falls_back_to_the_primary(replica_alias, city_a, officer_a, camera_1):
    replica_alias(name="steward_no_such_replica")
    read = make_read(camera_1, "ABC1234")
    assert routers.replica_lag_seconds() is None
    with CaptureQueriesContext(connections["default"]) as on_primary:
        result = search_run(grant=grant_for(officer_a, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert [row.pk for row in result.reads] == [read.pk]
    assert reads_in([q["sql"] for q in on_primary.captured_queries])
