"""Chart.js configurations of the dashboard's charts (drawn by static/app.js).

Each chart carries the same numbers as a small table, which the page offers beside the
canvas: the chart is never the only way to read them (screen readers, no script).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backorder.analytics.process import ProcessView
from backorder.analytics.snapshot import KpiSnapshot
from backorder.analytics.suppliers import DELAY_BUCKETS, SupplierScore
from backorder.web.rendering import num, pct

BLUE, LIGHT_BLUE, RED, GREEN, GREY = "#0969da", "#54aeff", "#cf222e", "#1a7f37", "#6e7781"


@dataclass(frozen=True)
class Chart:
    """A chart's configuration and its numbers as table rows."""

    config: dict[str, Any]
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _percent(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(100 * v, 1) for v in values]


def _bar(
    labels: list[str],
    sets: list[dict[str, Any]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {"labels": labels, "datasets": sets},
        "options": {
            "indexAxis": "y" if horizontal else "x",
            "scales": {"x": {"stacked": stacked}, "y": {"stacked": stacked}},
        },
    }


def _set(label: str, data: list[Any], colour: str, **extra: Any) -> dict[str, Any]:
    return {"label": label, "data": data, "backgroundColor": colour, "borderColor": colour} | extra


def overview(k: KpiSnapshot) -> dict[str, Chart]:
    """Backlog aging, fill-rate trend, revenue shift by period, most short items."""
    weekly = k.weekly
    return {
        "aging": Chart(
            _bar([b.label for b in k.backlog], [_set("Units", [b.units for b in k.backlog], BLUE)]),
            ["Age", "Lines", "Units", "Value"],
            [[b.label, num(b.lines), num(b.units), num(b.value)] for b in k.backlog],
        ),
        "fill": Chart(
            {
                "type": "line",
                "data": {
                    "labels": [w.week for w in weekly],
                    "datasets": [
                        _set("Line fill %", _percent([w.line_fill_rate for w in weekly]), BLUE),
                        _set(
                            "First-pass line fill %",
                            _percent([w.first_pass_line_fill_rate for w in weekly]),
                            GREY,
                            borderDash=[4, 4],
                        ),
                    ],
                },
                "options": {"scales": {"y": {"suggestedMin": 50, "suggestedMax": 100}}},
            },
            ["Week of", "Lines due", "Line fill", "First-pass"],
            [
                [w.week, num(w.due_lines), pct(w.line_fill_rate), pct(w.first_pass_line_fill_rate)]
                for w in weekly
            ],
        ),
        "revenue": Chart(
            _bar(
                [m.period for m in k.money],
                [
                    _set("Shifted in", [m.shifted_in for m in k.money], GREEN),
                    _set("Shifted out", [-m.shifted_out for m in k.money], RED),
                ],
                stacked=True,
            ),
            ["Period", "In", "Out", "Net"],
            [[m.period, num(m.shifted_in), num(m.shifted_out), num(m.net)] for m in k.money],
        ),
        "short": Chart(
            _bar(
                [i.sku for i in k.short_items],
                [_set("Units short", [i.units for i in k.short_items], RED)],
                horizontal=True,
            ),
            ["Item", "Lines", "Units", "Value"],
            [[i.sku, num(i.lines), num(i.units), num(i.value)] for i in k.short_items],
        ),
    }


def suppliers(scores: list[SupplierScore]) -> dict[str, Chart]:
    """OTIF by supplier and how late their receipts came."""
    names = [s.supplier for s in scores]
    buckets = [*DELAY_BUCKETS, "open, past due"]
    colours = [GREEN, LIGHT_BLUE, BLUE, GREY, RED, "#8250df"]
    return {
        "otif": Chart(
            _bar(names, [_set("OTIF %", _percent([s.otif_rate for s in scores]), BLUE)]),
            ["Supplier", "PO lines due", "OTIF"],
            [[s.supplier, num(s.lines_due), pct(s.otif_rate)] for s in scores],
        ),
        "delays": Chart(
            _bar(
                names,
                [
                    _set(bucket, [s.delays.get(bucket, 0) for s in scores], colour)
                    for bucket, colour in zip(buckets, colours, strict=True)
                ],
                stacked=True,
            ),
            ["Supplier", *buckets],
            [[s.supplier, *(num(s.delays.get(b, 0)) for b in buckets)] for s in scores],
        ),
    }


def process(view: ProcessView) -> dict[str, Chart]:
    """Median and p90 hours in each case state."""
    states = view.states
    return {
        "states": Chart(
            _bar(
                [s.state.replace("_", " ") for s in states],
                [
                    _set("Median hours", [s.median_hours for s in states], LIGHT_BLUE),
                    _set("p90 hours", [s.p90_hours for s in states], BLUE),
                ],
                horizontal=True,
            ),
            ["State", "Median h", "p90 h", "Open now"],
            [
                [s.state.replace("_", " "), num(s.median_hours, 1), num(s.p90_hours, 1),
                 num(s.open_now)]
                for s in states
            ],
        ),
    }  # fmt: skip
