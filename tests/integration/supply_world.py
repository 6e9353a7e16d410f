"""A small world for the replenishment, supplier, warehouse and expedite flows.

Two DCs in different regions joined by 12-day lanes (longer than the allocation policy's
`max_transfer_days`, so allocation never ships across them by itself), a supplier with a
21-day lead time, item A (cost 4, order multiple 10, safety stock 2) bought from it and
item N without a supplier. Cases are opened and evaluated directly (no DBOS).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.model import (
    Customer,
    Item,
    Location,
    Order,
    OrderLine,
    Supplier,
    Tier,
    TransferLane,
)
from backorder.domain.operations import Expedite, Replenishment
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import orders
from backorder.service_layer.handlers.cases import CaseStep, evaluate_case, open_cases

TODAY = date(2026, 11, 27)
ACTOR = "tester"


def day(n: int) -> date:
    """The date `n` days after the pinned today."""
    return TODAY + timedelta(days=n)


def context(
    application: Application,
    *,
    threshold: float = 5000.0,
    transfers: bool = True,
    expedite: bool = False,
    expedite_threshold: float = 250.0,
) -> ServiceContext:
    """The application's context with the replenishment and expedite policy given."""
    ctx = application.context
    operations = ctx.operations.model_copy(
        update={
            "replenishment": Replenishment(approval_threshold_value=threshold, transfers=transfers),
            "expedite": Expedite(enabled=expedite, approval_threshold_cost=expedite_threshold),
        }
    )
    return dataclasses.replace(ctx, operations=operations)


def seed(ctx: ServiceContext, *, west_stock: int = 0, east_stock: int = 0) -> None:
    """Master data and stock (see the module docstring)."""
    with ctx.unit_of_work() as uow:
        uow.master.save_location(Location("EAST", "east", "East DC"))
        uow.master.save_location(Location("WEST", "west", "West DC"))
        uow.master.save_lane(TransferLane("WEST", "EAST", 12, 0.5))
        uow.master.save_lane(TransferLane("EAST", "WEST", 12, 0.5))
        uow.master.save_supplier(Supplier("ACME", "Acme", 21, email="po@acme.example"))
        uow.master.save_items(
            [
                Item(
                    "A", "bolt", unit_cost=4.0, supplier="ACME", order_multiple=10, safety_stock=2
                ),
                Item("N", "nut", unit_cost=1.0),
            ]
        )
        uow.master.save_customers(
            [
                Customer("C-STD", "Standard", Tier.STANDARD, "east", "EAST"),
                Customer("C-STR", "Strategic", Tier.STRATEGIC, "east", "EAST"),
                Customer("C-ROAM", "No home DC", Tier.STANDARD, "west"),
            ]
        )
        now = uow.clock.now()
        for location, units in (("EAST", east_stock), ("WEST", west_stock)):
            if units:
                uow.supply.set_on_hand("A", location, units, now)
        uow.commit()


def order(
    ctx: ServiceContext,
    order_id: str,
    quantity: int,
    *,
    sku: str = "A",
    requested: int = 3,
    customer: str = "C-STD",
) -> int:
    """Place a one-line order; returns its line id."""
    placed = orders.place_order(
        ctx,
        Order(
            order_id,
            customer,
            ctx.clock.now(),
            (OrderLine(0, order_id, customer, sku, quantity, day(requested), unit_price=10.0),),
        ),
        ACTOR,
    )
    return placed.lines[0].line_id


def open_case(ctx: ServiceContext, line_id: int, sku: str = "A", customer: str = "C-STD") -> str:
    """Open the case of a line (as the dispatcher does for a backordered line)."""
    with ctx.unit_of_work() as uow:
        open_cases(uow, [(line_id, sku, customer)])
        uow.commit()
    return f"case-{line_id}"


def evaluate(ctx: ServiceContext, case_id: str) -> CaseStep:
    """Evaluate a case now."""
    return evaluate_case(ctx, case_id, "test")


def rows(application: Application, table: Any, *where: Any) -> list[dict[str, Any]]:
    """Rows of a table (filtered), read outside any unit of work, in key order."""
    with application.engine.connect() as connection:
        query = select(table).where(*where).order_by(*table.primary_key.columns)
        return [dict(r._mapping) for r in connection.execute(query)]


def tasks(application: Application, task_type: str) -> list[dict[str, Any]]:
    """Tasks of a type."""
    return rows(application, orm.tasks, orm.tasks.c.task_type == task_type)


def events(application: Application, event_type: str) -> list[dict[str, Any]]:
    """Outbox events of a type, oldest first."""
    return rows(application, orm.outbox, orm.outbox.c.type == event_type)


def on_hand(application: Application, sku: str, location: str) -> int:
    """Units on hand."""
    with application.engine.connect() as connection:
        found = connection.execute(
            text("SELECT on_hand FROM inventory WHERE sku = :sku AND location = :location"),
            {"sku": sku, "location": location},
        ).scalar_one_or_none()
    return int(found or 0)


def line(application: Application, line_id: int) -> dict[str, Any]:
    """An order line row."""
    return rows(application, orm.order_lines, orm.order_lines.c.line_id == line_id)[0]


def held(application: Application, line_id: int) -> dict[str, int]:
    """Units a line holds per supply source."""
    found: dict[str, int] = {}
    for row in rows(application, orm.allocations, orm.allocations.c.line_id == line_id):
        found[row["source_id"]] = found.get(row["source_id"], 0) + row["quantity"]
    return found
