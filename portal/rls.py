"""Row-level security: the database itself keeps each city's rows to that city (issue 11).

PostgreSQL policies (``portal/migrations/0004_row_level_security.py``) let a query see and write
a city-owned row only when the connection's ``steward.city_id`` is that row's city, or when
``steward.scope`` is ``system``. The application sets both from its own scope before each query
(``portal.pgbackend``): ``city_scope(city)`` sets the city, ``system_scope()`` (and the explicitly
cross-city ``all_cities`` manager) sets the system scope, and no scope at all sets neither, so a
query with no scope (a forgotten filter, raw SQL) sees no city-owned row and can write none.

SQLite has no row-level security: there the ORM scoping (``portal.tenancy``) is the only fence.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models

CITY_SETTING = "steward.city_id"
SCOPE_SETTING = "steward.scope"
SYSTEM = "system"

# Every city-owned table (a concrete ``CityOwnedModel``), with a policy of its own.
# tests/portal/test_row_level_security.py checks that this list matches the models.
CITY_OWNED_TABLES: tuple[str, ...] = (
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
    "sharing_searchhold",  # sharing migration 0009
)

POLICY = "steward_city_isolation"
POLICY_CONDITION = (
    f"city_id = NULLIF(current_setting('{CITY_SETTING}', true), '')::bigint "
    f"OR current_setting('{SCOPE_SETTING}', true) = '{SYSTEM}'"
)

_system: contextvars.ContextVar[bool] = contextvars.ContextVar("steward_system_scope", default=False)


@contextmanager
def system_scope() -> Iterator[None]:
    """Run the block across cities at the database level (retention, reviews, admin, sign-in lookups).

    The ORM's city scope is untouched: ``Model.objects`` still needs ``city_scope``.
    """
    token = _system.set(True)
    try:
        yield
    finally:
        _system.reset(token)


def in_system_scope() -> bool:
    return _system.get()


def policy_statements(table: str) -> list[str]:
    """Force row-level security on ``table`` with the city policy (idempotent)."""
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'CREATE POLICY {POLICY} ON "{table}" USING ({POLICY_CONDITION}) WITH CHECK ({POLICY_CONDITION})',
    ]


def drop_policy_statements(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


_T = TypeVar("_T")


def _system_call(method: Callable[..., _T]) -> Callable[..., _T]:
    def call(self: Any, *args: Any, **kwargs: Any) -> _T:
        with system_scope():
            return method(self, *args, **kwargs)

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class SystemQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """A queryset that runs its queries in the system scope: the ``all_cities`` manager's.

    ``all_cities`` is the named way across cities in the ORM, so at the database level it is the
    system scope too; every other query runs with the city scope (or none).
    """

    _fetch_all = _system_call(models.QuerySet._fetch_all)
    count = _system_call(models.QuerySet.count)
    exists = _system_call(models.QuerySet.exists)
    contains = _system_call(models.QuerySet.contains)
    aggregate = _system_call(models.QuerySet.aggregate)
    update = _system_call(models.QuerySet.update)
    _update = _system_call(models.QuerySet._update)  # type: ignore[attr-defined]
    delete = _system_call(models.QuerySet.delete)
    _raw_delete = _system_call(models.QuerySet._raw_delete)
    bulk_create = _system_call(models.QuerySet.bulk_create)
    bulk_update = _system_call(models.QuerySet.bulk_update)
    _insert = _system_call(models.QuerySet._insert)  # type: ignore[attr-defined]
    in_bulk = _system_call(models.QuerySet.in_bulk)
    explain = _system_call(models.QuerySet.explain)
    get_or_create = _system_call(models.QuerySet.get_or_create)
    update_or_create = _system_call(models.QuerySet.update_or_create)

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        # Each step in the system scope, the caller's loop body in its own.
        with system_scope():
            rows = super().iterator(chunk_size)
        while True:
            with system_scope():
                try:
                    row = next(rows)
                except StopIteration:
                    return
            yield row


SystemManager = models.Manager.from_queryset(SystemQuerySet)
