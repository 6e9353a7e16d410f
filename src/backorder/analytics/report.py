"""The demo's service report: fill rates, backlog aging, backorder value, short items, surge,
and, when cases ran as workflows, exceptions by team, supplier acknowledgement latency and
revenue shifted by fiscal period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine

from backorder.analytics.exceptions import TeamExceptions, exceptions_by_team
from backorder.analytics.filters import KpiFilter
from backorder.analytics.kpis import (
    BacklogBucket,
    FillRates,
    ShortItem,
    backlog,
    fill_rates,
    short_items,
)
from backorder.analytics.money import MoneyTotals, PeriodMoney, money_by_period
from backorder.analytics.suppliers import SupplierScore, SupplierTotals, supplier_scores


@dataclass(frozen=True)
class SurgePhase:
    """Fill rates of the surge family and of everything else in one phase."""

    name: str
    start: date
    end: date
    surge: FillRates
    others: FillRates


@dataclass(frozen=True)
class ServiceReport:
    """Everything the demo prints and writes as HTML."""

    title: str
    start: date
    end: date
    facts: dict[str, Any]
    overall: FillRates
    first_pass_line_fill_rate: float
    backlog: list[BacklogBucket]
    short_items: list[ShortItem]
    surge_group: str
    surge: list[SurgePhase] = field(default_factory=list)
    # Orchestration (empty when no case ran): exceptions by team, suppliers, money.
    exceptions: list[TeamExceptions] = field(default_factory=list)
    suppliers: SupplierTotals | None = None
    supplier_scores: list[SupplierScore] = field(default_factory=list)
    money: list[PeriodMoney] = field(default_factory=list)
    money_totals: MoneyTotals | None = None

    @property
    def backorder_value(self) -> float:
        """Value of all backordered units on open lines."""
        return round(sum(b.value for b in self.backlog), 2)

    @property
    def backordered_units(self) -> int:
        """All backordered units on open lines."""
        return sum(b.units for b in self.backlog)


def build_report(
    engine: Engine,
    *,
    title: str,
    start: date,
    end: date,
    surge_group: str,
    surge_days: tuple[int, int],
    first_pass_line_fill_rate: float,
    facts: dict[str, Any],
) -> ServiceReport:
    """Compute the report over the database for the period `start`..`end`."""
    surge_start = start + timedelta(days=surge_days[0])
    surge_end = start + timedelta(days=surge_days[1])
    phases = [
        ("before the surge", start, surge_start - timedelta(days=1)),
        ("during the surge", surge_start, surge_end),
        ("after the surge", surge_end + timedelta(days=1), end),
    ]
    where = KpiFilter(start, end)
    now = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    with engine.connect() as connection:
        scores, supplier_totals = supplier_scores(connection, where, end, now)
        money, money_totals = money_by_period(connection, where)
        surge = [
            SurgePhase(
                name=name,
                start=first,
                end=last,
                surge=fill_rates(connection, first, last, item_group=surge_group),
                others=fill_rates(connection, first, last, exclude_group=surge_group),
            )
            for name, first, last in phases
            if first <= last
        ]
        return ServiceReport(
            title=title,
            start=start,
            end=end,
            facts=facts,
            overall=fill_rates(connection, start, end),
            first_pass_line_fill_rate=first_pass_line_fill_rate,
            backlog=backlog(connection, end),
            short_items=short_items(connection),
            surge_group=surge_group,
            surge=surge,
            exceptions=exceptions_by_team(connection, where, now),
            suppliers=supplier_totals,
            supplier_scores=scores,
            money=money,
            money_totals=money_totals,
        )


def render_html(report: ServiceReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no network)."""
    environment = Environment(
        loader=PackageLoader("backorder.analytics", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    biggest = max((b.units for b in report.backlog), default=0) or 1
    return environment.get_template("report.html").render(report=report, biggest=biggest)


def write_html(report: ServiceReport, path: Path) -> Path:
    """Write the HTML report; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path
