"""PostgreSQL backend that tells the database the application's city scope before each query.

Before a query runs, ``steward.city_id`` and ``steward.scope`` on the connection are made to match
``database_scope()``: one ``set_config`` round trip when the scope changed, none
otherwise. The values are set for the session (a query outside a transaction needs them too), and
what the connection holds is forgotten on every rollback (which undoes a ``set_config`` made inside
the transaction), on reconnection and on close, so the next query sets them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from portal.rls import CITY_SETTING, SCOPE_SETTING, SYSTEM, in_system_scope

_SET = f"SELECT set_config('{CITY_SETTING}', %s, false), set_config('{SCOPE_SETTING}', %s, false)"


def database_scope() -> tuple[str, str]:
    """The values of ``steward.city_id`` and ``steward.scope`` that the next query must run with."""
    # Imported here: the backend loads while the models (portal.tenancy's among them) are built.
    from portal.tenancy import current_city

    city = current_city()
    return (str(city.pk) if city is not None else "", SYSTEM if in_system_scope() else "")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steward_scope: tuple[str, str] | None = None
        self.execute_wrappers.append(self._apply_scope)

    def _apply_scope(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        wanted = database_scope()
        if (
            wanted != self.steward_scope
            and self.connection is not None
            # In a failed transaction only a rollback can run; it needs no scope (and a set_config
            # there would fail in its place).
            and self.connection.info.transaction_status != TransactionStatus.INERROR
        ):
            with self.wrap_database_errors, self.connection.cursor() as cursor:
                cursor.execute(_SET, list(wanted))
            self.steward_scope = wanted
        return execute(sql, params, many, context)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self.steward_scope = None
        return super().get_new_connection(conn_params)

    # A commit that fails rolls the transaction back on the server: forget as after a rollback.
    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        except BaseException:
            self.steward_scope = None
            raise

    # A rollback undoes a set_config made since: forget what the connection holds, after it.
    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self.steward_scope = None

    def _savepoint_rollback(self, sid: str) -> None:
        try:
            super()._savepoint_rollback(sid)  # type: ignore[misc]
        finally:
            self.steward_scope = None

    def _close(self) -> None:
        self.steward_scope = None
        super()._close()  # type: ignore[misc]
