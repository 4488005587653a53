"""Searches on a read replica, when one is configured (``DATABASE_REPLICA_URL``).

Only code that asks for it reads from the replica: the read selector wraps its queries of cameras
and reads in ``reads_from_replica()``. Everything else, the policy decision, the agreement check,
the ``Search`` row and its audit entry included, stays on the primary (``default``). Before each
search the replica's lag is measured (``pg_last_xact_replay_timestamp()``); past
``DATABASE_REPLICA_MAX_LAG_SECONDS``, or when the replica cannot be reached, the search runs on the
primary. A search on a replica may miss the last second's reads; it never sees a read that retention
has deleted on the primary for longer than the lag bound.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger(__name__)

REPLICA_ALIAS = "replica"

# Zero when the replica has replayed all it received (an idle primary sends nothing, and the last
# replay time would then look old); a server that is not in recovery is a primary: no lag.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""

_reads_alias: ContextVar[str | None] = ContextVar("reads_alias", default=None)
_last_check: dict[str, tuple[float, bool]] = {}


def replica_configured() -> bool:
    try:
        connections[REPLICA_ALIAS]
    except ConnectionDoesNotExist:
        return False
    return True


def replica_lag_seconds(alias: str = REPLICA_ALIAS) -> float | None:
    """How far the replica's replay is behind, in seconds; None when it cannot be asked."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError as error:
        logger.warning("read replica unreachable, searching the primary: %s", error)
        return None


def replica_is_fresh() -> bool:
    """The replica is reachable and within the lag bound (remembered ``..._LAG_CHECK_SECONDS``)."""
    if not replica_configured():
        return False
    remember = getattr(settings, "DATABASE_REPLICA_LAG_CHECK_SECONDS", 1.0)
    checked = _last_check.get(REPLICA_ALIAS)
    if checked and time.monotonic() - checked[0] < remember:
        return checked[1]
    lag = replica_lag_seconds(REPLICA_ALIAS)
    bound = getattr(settings, "DATABASE_REPLICA_MAX_LAG_SECONDS", 5.0)
    fresh = lag is not None and lag <= bound
    if lag is not None and not fresh:
        logger.warning("read replica %.1f s behind (bound %.1f s): searching the primary", lag, bound)
    _last_check[REPLICA_ALIAS] = (time.monotonic(), fresh)
    return fresh


@contextmanager
def reads_from_replica() -> Iterator[str]:
    """Within this block, reads go to the replica if it is fresh; yields the alias they go to."""
    alias = REPLICA_ALIAS if replica_is_fresh() else DEFAULT_DB_ALIAS
    token = _reads_alias.set(alias)
    try:
        yield alias
    finally:
        _reads_alias.reset(token)


class ReplicaRouter:
    """Reads inside ``reads_from_replica()`` go where it decided; every write goes to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return _reads_alias.get()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema
