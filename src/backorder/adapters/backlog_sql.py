"""SQL plumbing of the backlog loader: driver-level reads, and how queries keep to a scope.

Queries restrict themselves to the items of a scope (or the lines of a backlog) with an
`IN (...)` list when there are few, through a temporary key table when there are many.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Column, Connection, MetaData, String, Table

from backorder.adapters.bulk import drop_temporary, insert_rows, is_postgres, key_table
from backorder.domain.allocation.problem import NO_DAY, IntArray


def day_sql(column: str, postgres: bool) -> str:
    """SQL for a date column as a day number (`NO_DAY` when null)."""
    if postgres:
        return f"COALESCE(({column} - DATE '1970-01-01'), {NO_DAY})"
    return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), {NO_DAY})"


def epoch_sql(column: str, postgres: bool) -> str:
    """SQL for a moment column as epoch seconds."""
    if postgres:
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def fetch_rows(
    connection: Connection, sql: str, parameters: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Rows of `sql` straight from the driver; `{?}` marks a parameter on either backend."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if parameters:
        marker = "%s" if is_postgres(connection) else "?"
        cursor.execute(sql.replace("{?}", marker), list(parameters))
    else:
        cursor.execute(sql)
    # Both drivers hand back plain tuples: no copy of each row.
    return cast(list[tuple[Any, ...]], cursor.fetchall())


SMALL_SCOPE = 200  # up to this many items, filter with IN (...) instead of a temporary table


class Scope:
    """How queries restrict themselves to the items in scope."""

    def __init__(self, connection: Connection, scope: Sequence[str] | None) -> None:
        self.values: list[str] = []
        if scope is None:
            self.sql = ""
        elif len(set(scope)) <= SMALL_SCOPE:
            self.values = sorted(set(scope))
            self.sql = "sku IN (" + ", ".join(["{?}"] * len(self.values)) + ")"
        else:
            scope_table(connection, scope)
            self.sql = "sku IN (SELECT sku FROM tmp_scope_skus)"

    def where(self) -> str:
        """` WHERE <filter>` or nothing."""
        return f" WHERE {self.sql}" if self.sql else ""

    def and_(self) -> str:
        """` AND <filter>` or nothing."""
        return f" AND {self.sql}" if self.sql else ""


def select_in(
    connection: Connection, sql: str, column: str, values: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Rows of `sql` whose `column` is one of `values` (fetched in chunks)."""
    found: list[tuple[Any, ...]] = []
    postgres = is_postgres(connection)
    for start in range(0, len(values), 900):
        chunk = list(values[start : start + 900])
        marks = ", ".join(["%s" if postgres else "?"] * len(chunk))
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"{sql} WHERE {column} IN ({marks})", chunk)
        found.extend(cursor.fetchall())
    return found


def scope_table(connection: Connection, scope: Sequence[str]) -> None:
    """The temporary table `tmp_scope_skus` of the items in scope."""
    table = Table(
        "tmp_scope_skus",
        MetaData(),
        Column("sku", String(64), primary_key=True),
        prefixes=["TEMPORARY"],
    )
    drop_temporary(connection, table.name)
    table.create(connection)
    insert_rows(connection, table, ("sku",), ((s,) for s in sorted(set(scope))))


class LineFilter:
    """How queries restrict themselves to the backlog's lines (by line id)."""

    def __init__(self, connection: Connection, line_ids: IntArray, *, scoped: bool) -> None:
        self.connection, self.line_ids, self.scoped = connection, line_ids, scoped
        self._sql: str | None = None
        self.values: list[int] = []

    @property
    def empty(self) -> bool:
        """True when no line can match."""
        return self.scoped and not len(self.line_ids)

    def where(self) -> str:
        """` WHERE line_id IN <the lines>` or nothing (unscoped); the key table is made once."""
        if not self.scoped:
            return ""
        if self._sql is None:
            if len(self.line_ids) <= SMALL_SCOPE:
                self.values = self.line_ids.tolist()
                self._sql = "line_id IN (" + ", ".join(["{?}"] * len(self.values)) + ")"
            else:
                key_table(self.connection, "tmp_backlog_lines", self.line_ids.tolist())
                self._sql = "line_id IN (SELECT key FROM tmp_backlog_lines)"
        return f" WHERE {self._sql}"
