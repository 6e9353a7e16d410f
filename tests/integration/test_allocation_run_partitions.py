"""An allocation run split into partitions (stored side by side on PostgreSQL) decides
exactly what a run in one piece decides."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.model import Customer, Item, Location, Tier
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import allocation, master, supply
from backorder.service_layer.handlers.orders import place_order
from tests.integration.helpers import new_order, oversold

SKUS = [f"P-{n:02d}" for n in range(12)]


def _short_items(ctx: ServiceContext) -> None:
    """Twelve items, each short: a strategic and a standard customer order every one."""
    master.save_locations(ctx, [Location("EAST", "east")], "t")
    master.save_items(ctx, [Item(sku) for sku in SKUS], "t")
    master.save_customers(
        ctx,
        [
            Customer("GOLD", region="east", home_location="EAST", tier=Tier.STRATEGIC),
            Customer("BRONZE", region="east", home_location="EAST", tier=Tier.STANDARD),
        ],
        "t",
    )
    supply.set_stock(
        ctx, [supply.StockLevel(sku, "EAST", 3 + n % 4) for n, sku in enumerate(SKUS)], "t"
    )
    for n, sku in enumerate(SKUS):
        place_order(ctx, new_order(f"SO-B{n}", "BRONZE", (sku, 4)), "t")
        place_order(ctx, new_order(f"SO-G{n}", "GOLD", (sku, 2 + n % 3)), "t")


def _held(application: Application) -> dict[int, tuple[str, int, str]]:
    """Line id -> (status, backordered quantity, promise date) as stored."""
    lines = orm.order_lines
    with application.engine.connect() as connection:
        rows = connection.execute(
            select(
                lines.c.line_id, lines.c.status, lines.c.backordered_quantity, lines.c.promise_date
            )
        ).all()
    return {
        row.line_id: (row.status, row.backordered_quantity, str(row.promise_date)) for row in rows
    }


def test_a_run_in_many_partitions_decides_what_one_partition_decides(
    application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = application.context
    _short_items(ctx)

    whole = allocation.run_allocation(ctx, skus=None, solver="priority", actor="planner")
    in_one_piece = _held(application)
    monkeypatch.setattr(allocation, "PARTITION_ITEMS", 2)
    split = allocation.run_allocation(ctx, skus=None, solver="priority", actor="planner")

    assert split.summary["partitions"] == len(SKUS) // 2
    assert _held(application) == in_one_piece
    for key in ("lines", "allocated_units", "backordered_units", "backordered_lines"):
        assert split.summary[key] == whole.summary[key]
    assert oversold(application) == {}


def test_a_failing_partition_stops_the_run(
    application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = application.context
    _short_items(ctx)
    monkeypatch.setattr(allocation, "PARTITION_ITEMS", 1)
    real_apply = allocation.apply_result
    calls: list[int] = []

    def apply_or_fail(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(allocation, "apply_result", apply_or_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        allocation.run_allocation(ctx, skus=None, solver="priority", actor="planner")
    # At most the partition already running beside the failed one finishes; the rest of
    # the twelve never start.
    assert len(calls) <= 2 + allocation.PARALLEL_PARTITIONS
    assert oversold(application) == {}
