"""The demo's service report as Rich tables on the terminal (the HTML report has the same)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from backorder.analytics.report import ServiceReport


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} h"


def _rate(value: float | None) -> str:
    return "-" if value is None else _percent(value)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def print_report(console: Console, report: ServiceReport) -> None:
    """Print the service report as tables: fill rates, backlog, short items, surge, cases."""
    tiles = Table(title=report.title, show_header=False)
    tiles.add_column("measure")
    tiles.add_column("value", justify="right")
    overall = report.overall
    for name, value in (
        ("lines due in the period", f"{overall.due_lines:,}"),
        ("line fill rate (on time in full)", _percent(overall.line_fill_rate)),
        ("unit fill rate", _percent(overall.unit_fill_rate)),
        ("order fill rate", _percent(overall.order_fill_rate)),
        (
            "first-pass line fill rate (promised in full at intake)",
            _percent(report.first_pass_line_fill_rate),
        ),
        ("backordered units (open lines)", f"{report.backordered_units:,}"),
        ("backorder value", f"{report.backorder_value:,.0f}"),
    ):
        tiles.add_row(name, value)
    console.print(tiles)

    aging = Table(title="Backlog by age")
    for column in ("age", "lines", "units", "value"):
        aging.add_column(column, justify="left" if column == "age" else "right")
    for bucket in report.backlog:
        aging.add_row(
            bucket.label, f"{bucket.lines:,}", f"{bucket.units:,}", f"{bucket.value:,.0f}"
        )
    console.print(aging)

    short = Table(title="The ten most short items")
    for column in ("item", "group", "lines", "units short", "value"):
        short.add_column(column, justify="left" if column in ("item", "group") else "right")
    for item in report.short_items:
        short.add_row(
            item.sku, item.item_group, f"{item.lines:,}", f"{item.units:,}", f"{item.value:,.0f}"
        )
    console.print(short)

    surge = Table(title=f"How the surge in {report.surge_group} was handled")
    for column in (
        "phase",
        "surge line fill",
        "surge unit fill",
        "others line fill",
        "others unit fill",
    ):
        surge.add_column(column, justify="left" if column == "phase" else "right")
    for phase in report.surge:
        surge.add_row(
            f"{phase.name} ({phase.start:%d %b}-{phase.end:%d %b})",
            _percent(phase.surge.line_fill_rate),
            _percent(phase.surge.unit_fill_rate),
            _percent(phase.others.line_fill_rate),
            _percent(phase.others.unit_fill_rate),
        )
    console.print(surge)
    _print_orchestration(console, report)
    facts = Table(title="What happened", show_header=False)
    facts.add_column("fact")
    facts.add_column("value", justify="right")
    for name, value in report.facts.items():
        facts.add_row(name, str(value))
    console.print(facts)


def _print_orchestration(console: Console, report: ServiceReport) -> None:
    """Exceptions by team, supplier acknowledgements and money: only when cases ran."""
    if report.exceptions:
        teams = Table(title="Exceptions by team")
        for column in ("team", "opened", "resolved", "open", "breached", "breach rate",
                       "median to resolve", "p90 to resolve", "touches each"):  # fmt: skip
            teams.add_column(column, justify="left" if column == "team" else "right")
        for team in report.exceptions:
            teams.add_row(
                team.team,
                f"{team.opened:,}",
                f"{team.resolved:,}",
                f"{team.unresolved:,}",
                f"{team.breached:,}",
                _rate(team.breach_rate),
                _hours(team.resolve_median_hours),
                _hours(team.resolve_p90_hours),
                "-" if team.touches_per_exception is None else f"{team.touches_per_exception:.1f}",
            )
        console.print(teams)
    if report.supplier_scores:
        suppliers = Table(title="Suppliers: on time in full and acknowledgement latency")
        for column in ("supplier", "lines due", "OTIF", "acknowledged", "median ack",
                       "p90 ack", "unacknowledged overdue", "open late lines"):  # fmt: skip
            suppliers.add_column(column, justify="left" if column == "supplier" else "right")
        for score in report.supplier_scores:
            suppliers.add_row(
                score.supplier,
                f"{score.lines_due:,}",
                _rate(score.otif_rate),
                f"{score.acknowledged:,}",
                _hours(score.ack_median_hours),
                _hours(score.ack_p90_hours),
                f"{score.unacknowledged_overdue:,}",
                f"{score.open_late_lines:,}",
            )
        console.print(suppliers)
    if report.money:
        money = Table(title="Revenue shifted by fiscal period, and expedite cost")
        for column in ("period", "shifted in", "shifted out", "net", "lines in", "lines out",
                       "expedite cost"):  # fmt: skip
            money.add_column(column, justify="left" if column == "period" else "right")
        for period in report.money:
            money.add_row(
                period.period,
                f"{period.shifted_in:,.0f}",
                f"{period.shifted_out:,.0f}",
                f"{period.net:,.0f}",
                f"{period.lines_in:,}",
                f"{period.lines_out:,}",
                f"{period.expedite_cost:,.0f}",
            )
        console.print(money)
