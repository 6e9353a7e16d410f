"""Write a scenario's master data and opening state as CSV files (the importer's layout)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from backorder.domain.model import OrderLine, SupplyKind
from backorder.scenario.reference.events import OrderLineCancelled, OrderLineQuantityChanged
from backorder.scenario.reference.scenario import ReferenceScenario

COLUMNS: dict[str, tuple[str, ...]] = {
    "items.csv": (
        "sku", "description", "uom", "unit_cost", "list_price", "product_line", "item_group",
        "supplier", "order_multiple", "safety_stock", "substitutes",
    ),
    "locations.csv": ("code", "name", "region"),
    "lanes.csv": ("origin", "destination", "lead_time_days", "cost_per_unit"),
    "suppliers.csv": ("code", "name", "lead_time_days", "edi_id", "email"),
    "customers.csv": (
        "code", "name", "tier", "region", "home_location", "ship_complete", "substitution",
        "notification_channel", "email", "contracts",
    ),
    "inventory.csv": ("sku", "location", "on_hand"),
    "purchase-orders.csv": (
        "po_number", "line_number", "supplier", "sku", "location", "quantity",
        "expected_date", "confirmation", "unit_cost",
    ),
    "orders.csv": (
        "order_id", "line_number", "line_id", "customer", "sku", "quantity", "requested_date",
        "unit_price", "unit_cost", "ship_from", "order_type", "ordered_at",
    ),
}  # fmt: skip


def _money(value: float) -> str:
    return f"{value:.2f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def open_lines(
    scenario: ReferenceScenario, order_days: int | None = None
) -> list[tuple[int, OrderLine]]:
    """(line number, line) of orders placed in the first `order_days` days, as they stand then.

    Quantity changes made before the cut-off are applied and lines cancelled before it
    are left out, so the file is the order book at the cut-off (default: the horizon's end).
    """
    days = scenario.spec.days if order_days is None else order_days
    cutoff = datetime.combine(scenario.spec.start, datetime.min.time()) + timedelta(days=days)
    cancelled: set[int] = set()
    quantity: dict[int, int] = {}
    for event in scenario.events:
        if event.at >= cutoff:
            break
        if isinstance(event, OrderLineCancelled):
            cancelled.add(event.line_id)
        elif isinstance(event, OrderLineQuantityChanged):
            quantity[event.line_id] = event.quantity
    lines: list[tuple[int, OrderLine]] = []
    for order in scenario.orders():
        if order.ordered_at >= cutoff:
            break
        # Line numbers are positions on the order as placed; cancelled lines leave gaps.
        for number, line in enumerate(order.lines, start=1):
            if line.line_id in cancelled:
                continue
            new = quantity.get(line.line_id)
            lines.append((number, line if new is None else replace(line, quantity=new)))
    return lines


def write_csv(
    scenario: ReferenceScenario, directory: str | Path, order_days: int | None = None
) -> dict[str, int]:
    """Write the eight CSV files into `directory`; returns data rows written per file."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    cost = {item.sku: item.unit_cost for item in scenario.items}
    tables: dict[str, Iterable[Sequence[object]]] = {
        "items.csv": (
            (
                i.sku, i.description, i.uom, _money(i.unit_cost), _money(i.list_price),
                i.product_line, i.item_group, i.supplier or "", i.order_multiple, i.safety_stock,
                ";".join(
                    f"{s.sku}:{s.factor:g}:{_yes(s.requires_acceptance)}" for s in i.substitutes
                ),
            )
            for i in scenario.items
        ),
        "locations.csv": ((loc.code, loc.name, loc.region) for loc in scenario.locations),
        "lanes.csv": (
            (lane.origin, lane.destination, lane.lead_time_days, _money(lane.cost_per_unit))
            for lane in scenario.lanes
        ),
        "suppliers.csv": (
            (s.code, s.name, s.lead_time_days, s.edi_id or "", s.email or "")
            for s in scenario.suppliers
        ),
        "customers.csv": (
            (
                c.code, c.name, c.tier.value, c.region, c.home_location or "",
                _yes(c.ship_complete), c.substitution.value, c.notification_channel,
                c.email or "",
                ";".join(f"{k.sku}:{k.quantity_per_period}:{k.period.value}" for k in c.contracts),
            )
            for c in scenario.customers
        ),
        "inventory.csv": (
            (s.sku, s.location, s.quantity)
            for s in scenario.initial_supply
            if s.kind is SupplyKind.ON_HAND
        ),
        "purchase-orders.csv": (
            (
                *s.source_id.split("/"), s.supplier or "", s.sku, s.location, s.quantity,
                s.available_date.isoformat(), s.confirmation.value, _money(cost[s.sku]),
            )
            for s in scenario.initial_supply
            if s.kind is SupplyKind.PURCHASE_ORDER
        ),
        "orders.csv": (
            (
                line.order_id, number, line.line_id, line.customer,
                line.sku, line.quantity, line.requested_date.isoformat(),
                _money(line.unit_price), _money(line.unit_cost), line.ship_from or "",
                line.order_type, line.ordered_at.isoformat() if line.ordered_at else "",
            )
            for number, line in open_lines(scenario, order_days)
        ),
    }  # fmt: skip
    return {name: _write(out / name, COLUMNS[name], rows) for name, rows in tables.items()}
