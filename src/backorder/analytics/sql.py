"""SQL building blocks that differ between SQLite and PostgreSQL, and percentiles in SQL.

Every KPI aggregates in the database; these helpers keep the two dialects' date arithmetic
and bucketing in one place so the KPI queries read the same on both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement


def materialized(query: Select[Any], name: str, connection: Connection) -> Any:
    """`query` as a CTE that SQLite computes once (an optimisation fence).

    Without it SQLite inlines a subquery into the query around it and evaluates an
    expression holding a correlated subquery again at every place that uses it.
    PostgreSQL gets a plain CTE: inlined where used once, computed once where used more.
    """
    cte = query.cte(name)
    return cte.prefix_with("MATERIALIZED") if is_sqlite(connection) else cte


# Analytics on PostgreSQL: hash tables in memory instead of spilling (a few large
# aggregates per view), and no JIT (its compile time exceeds what it saves on queries of a
# second or two). SET LOCAL: only for the read transaction that runs the KPIs.
POSTGRES_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")


def tune(connection: Connection) -> None:
    """Settings for an analytics transaction (PostgreSQL only; nothing on SQLite)."""
    if connection.dialect.name == "postgresql":
        for statement in POSTGRES_SETTINGS:
            connection.exec_driver_sql(statement)


def is_sqlite(connection: Connection) -> bool:
    """True on the embedded database."""
    return connection.dialect.name == "sqlite"


def seconds_between(connection: Connection, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Seconds from `earlier` to `later` (two timestamps)."""
    if is_sqlite(connection):
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def days_between(connection: Connection, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole days from date `earlier` to date `later`."""
    if is_sqlite(connection):
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    difference: ColumnElement[Any] = later - earlier  # date - date: integer days in PostgreSQL
    return difference


def week_of(connection: Connection, day: Any) -> ColumnElement[Any]:
    """The Monday of a date's ISO week (text `YYYY-MM-DD` on SQLite, a date on PostgreSQL;
    `str(value)[:10]` reads both)."""
    if is_sqlite(connection):
        # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is Monday.
        return func.date(day, "weekday 0", "-6 days")
    # Date arithmetic: to_char or date_trunc per row cost more than the rest of a
    # million-row pass.
    monday: ColumnElement[Any] = day - (cast(func.extract("isodow", day), Integer) - 1)
    return monday


def month_of(connection: Connection, moment: Any) -> ColumnElement[Any]:
    """A date's or timestamp's month as `YYYY-MM` text."""
    if is_sqlite(connection):
        return func.strftime("%Y-%m", moment)
    return func.to_char(moment, "YYYY-MM")


def least(connection: Connection, a: Any, b: Any) -> ColumnElement[Any]:
    """The smaller of two values (SQLite's two-argument min is PostgreSQL's least)."""
    return func.min(a, b) if is_sqlite(connection) else func.least(a, b)


def text_join(connection: Connection, value: Any, separator: str) -> ColumnElement[Any]:
    """Concatenate a group's values in the order rows arrive (from an ordered subquery)."""
    if is_sqlite(connection):
        return func.group_concat(value, separator)
    return func.string_agg(value, literal(separator))


def percentile_query(
    values: Any,
    groups: Sequence[str],
    value: str,
    percentiles: Sequence[float] = (0.5, 0.9),
) -> Select[Any]:
    """Per group of `values` (a subquery): count, mean and nearest-rank percentiles of `value`.

    Nearest rank: the p-th percentile is the smallest value with at least p x n values at or
    below it, i.e. the value at rank ceil(p x n). Window functions rank the rows in the
    database on both dialects; no row comes back to Python.
    """
    group_columns = [values.c[g] for g in groups]
    measured = values.c[value]
    ranked = (
        select(
            *group_columns,
            measured.label("v"),
            func.row_number().over(partition_by=group_columns, order_by=measured).label("rn"),
            func.count().over(partition_by=group_columns).label("n"),
        )
        .where(measured.is_not(None))
        .subquery()
    )
    picks = []
    for p in percentiles:
        at_rank = and_(ranked.c.rn >= p * ranked.c.n, ranked.c.rn < p * ranked.c.n + 1)
        picks.append(func.max(case((at_rank, ranked.c.v))).label(f"p{round(p * 100)}"))
    return select(
        *(ranked.c[g] for g in groups),
        func.count().label("n"),
        func.avg(ranked.c.v).label("mean"),
        *picks,
    ).group_by(*(ranked.c[g] for g in groups))


def binned_percentile_query(
    values: Any,
    groups: Sequence[str],
    value: str,
    percentiles: Sequence[float] = (0.5, 0.9),
    resolution: float = 0.1,
    overall: str | None = None,
) -> Select[Any]:
    """As `percentile_query`, with values first rounded to `resolution` (e.g. 0.1 hours).

    The database counts the values per rounded value and group, then finds the percentiles
    on the running count of that small histogram: the same nearest-rank answer at the
    given resolution, without sorting every value (the mean stays exact). With `overall`
    (one group column only), a further group of that name covers every value: its
    histogram is the sum of the groups' histograms.
    """
    group_columns = [values.c[g] for g in groups]
    measured = values.c[value]
    rounded = func.round(measured / resolution) * resolution
    histogram: Any = (
        select(
            *group_columns,
            rounded.label("b"),
            func.count().label("cnt"),
            func.sum(measured).label("total"),
        )
        .where(measured.is_not(None))
        .group_by(*group_columns, rounded)
    )
    if overall is not None:
        (name,) = groups
        per_group = histogram.cte(f"binned_{name}")
        histogram = union_all(
            select(per_group),
            select(
                literal(overall).label(name),
                per_group.c.b,
                func.sum(per_group.c.cnt).label("cnt"),
                func.sum(per_group.c.total).label("total"),
            ).group_by(per_group.c.b),
        )
    binned = histogram.subquery()
    keys = [binned.c[g] for g in groups]
    ranked = select(
        *keys,
        binned.c.b,
        binned.c.total,
        func.sum(binned.c.cnt).over(partition_by=keys, order_by=binned.c.b).label("cum"),
        func.sum(binned.c.cnt).over(partition_by=keys).label("n"),
    ).subquery()
    picks = [
        func.min(case((ranked.c.cum >= p * ranked.c.n, ranked.c.b))).label(f"p{round(p * 100)}")
        for p in percentiles
    ]
    return select(
        *(ranked.c[g] for g in groups),
        func.max(ranked.c.n).label("n"),
        (func.sum(ranked.c.total) / func.max(ranked.c.n)).label("mean"),
        *picks,
    ).group_by(*(ranked.c[g] for g in groups))


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)
