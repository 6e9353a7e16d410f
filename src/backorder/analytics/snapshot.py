"""All KPIs of a period and scope at once, over one view of the data.

Their independent groups (fill rates of the period, of the period before, suppliers, and
backlog with the rest) run at the same time on sibling connections that see exactly what
the caller's read-only transaction sees (`analytics.together`).

`kpis(ctx, where)` is what the API, the dashboard and the report call; it reads the
business date and time from the service clock and the acknowledgement timeout from the
operations policy, so every surface shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from backorder.analytics.backlog import (
    BacklogBucket,
    FillRateRisk,
    PromiseAccuracy,
    ShortItem,
    backlog,
    fill_rate_risk,
    short_items,
)
from backorder.analytics.cache import SNAPSHOTS, data_version, owner_token
from backorder.analytics.exceptions import TeamExceptions, exceptions_by_team
from backorder.analytics.filters import KpiFilter
from backorder.analytics.kpis import ServiceLevel, WeeklyFill, service_levels
from backorder.analytics.money import MoneyTotals, PeriodMoney, money_by_period
from backorder.analytics.process import ProcessView, process_view
from backorder.analytics.reading import reading
from backorder.analytics.suppliers import SupplierScore, SupplierTotals, supplier_scores
from backorder.analytics.together import run_together
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError

DEFAULT_PERIOD_DAYS = 28
DEFAULT_HORIZON_DAYS = 14
MAX_PERIOD_DAYS = 731


@dataclass(frozen=True)
class KpiSnapshot:
    """Every KPI for one period and scope."""

    where: KpiFilter
    as_of: date
    service: ServiceLevel
    previous: ServiceLevel | None
    weekly: list[WeeklyFill]
    backlog: list[BacklogBucket]
    promise: PromiseAccuracy
    risk: FillRateRisk
    short_items: list[ShortItem]
    suppliers: list[SupplierScore] = field(default_factory=list)
    supplier_totals: SupplierTotals | None = None
    exceptions: list[TeamExceptions] = field(default_factory=list)
    money: list[PeriodMoney] = field(default_factory=list)
    money_totals: MoneyTotals | None = None

    @property
    def backorder_value(self) -> float:
        """Value of all backordered units on open lines."""
        return round(sum(b.value for b in self.backlog), 2)

    @property
    def backordered_units(self) -> int:
        """Backordered units on open lines."""
        return sum(b.units for b in self.backlog)

    @property
    def backordered_lines(self) -> int:
        """Open lines with backordered units."""
        return sum(b.lines for b in self.backlog)


def default_filter(today: date, **scope: str | None) -> KpiFilter:
    """The four weeks up to today, in the given scope."""
    return KpiFilter(start=today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end=today, **scope)


def make_filter(
    today: date,
    start: date | None = None,
    end: date | None = None,
    **scope: str | None,
) -> KpiFilter:
    """A filter from request parameters: missing dates default to the four weeks to today."""
    end = end or (today if start is None else start + timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end < start:
        raise InvalidInputError("end", f"{end} is before the start of the period ({start})")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInputError("end", f"a period is at most {MAX_PERIOD_DAYS} days")
    cleaned = {name: (value.strip() or None) if value else None for name, value in scope.items()}
    return KpiFilter(start=start, end=end, **cleaned)


def compute(
    connection: Connection,
    where: KpiFilter,
    *,
    today: date,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    ack_timeout: timedelta = timedelta(hours=24),
    short_item_count: int = 10,
    with_previous: bool = True,
    together: bool = True,
) -> KpiSnapshot:
    """Compute every KPI: its independent groups at once on sibling connections over the
    same data (`analytics.together`), or one after the other on `connection`."""

    def service(c: Connection) -> Any:
        return service_levels(c, where)

    def previous_service(c: Connection) -> Any:
        # The period before on its own: the same definitions over its days (and orders
        # with lines due there), a task of its own so that both periods run at once.
        return service_levels(c, where.previous())[0]

    def suppliers(c: Connection) -> Any:
        return supplier_scores(c, where, today, now, ack_timeout)

    def rest(c: Connection) -> Any:
        return (
            backlog(c, today, where),
            fill_rate_risk(c, today, horizon_days, where),
            short_items(c, short_item_count, where),
            exceptions_by_team(c, where, now),
            money_by_period(c, where),
        )

    # The fill rates cost the most: they run on the caller's connection.
    tasks = [service, suppliers, rest, *([previous_service] if with_previous else [])]
    found = run_together(connection, tasks) if together else [t(connection) for t in tasks]
    (current, _, weekly, promise), (scores, supplier_totals), others, *before = found
    previous = before[0] if before else None
    buckets, risk, short, exceptions, (periods, money_totals) = others
    return KpiSnapshot(
        where=where,
        as_of=today,
        service=current,
        previous=previous,
        weekly=weekly,
        backlog=buckets,
        promise=promise,
        risk=risk,
        short_items=short,
        suppliers=scores,
        supplier_totals=supplier_totals,
        exceptions=exceptions,
        money=periods,
        money_totals=money_totals,
    )


def kpis(
    ctx: ServiceContext,
    where: KpiFilter | None = None,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    with_previous: bool = True,
    cached: bool = True,
) -> KpiSnapshot:
    """Every KPI for `where` (default: the last four weeks), as of the service clock.

    With `cached`, a snapshot computed for the same view and data version is reused
    (see `analytics.cache`); the database is still asked for its version each time.
    """
    with reading(ctx) as read:
        where = where or default_filter(read.today)

        def work() -> KpiSnapshot:
            return compute(
                read.connection,
                where,
                today=read.today,
                now=read.now,
                horizon_days=horizon_days,
                ack_timeout=ctx.operations.case_timeouts().supplier_acknowledgement,
                with_previous=with_previous,
            )

        if not cached:
            return work()
        key = (
            owner_token(ctx),
            where,
            horizon_days,
            with_previous,
            read.today,
            data_version(read.connection),
        )
        return SNAPSHOTS.get_or_compute(key, work)


def process(ctx: ServiceContext, where: KpiFilter | None = None) -> ProcessView:
    """Where cases stall, for `where` (default: the last four weeks)."""
    with reading(ctx) as read:
        return process_view(
            read.connection,
            where or default_filter(read.today),
            read.now,
            ctx.operations.case_timeouts(),
        )
