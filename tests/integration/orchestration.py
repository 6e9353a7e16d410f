"""Arrangements for the case and task tests: a small world, backordered lines, cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.model import (
    Customer,
    Item,
    Location,
    Order,
    OrderLine,
    Substitute,
    SubstitutionAcceptance,
    Supplier,
    Tier,
)
from backorder.service_layer.handlers import master, orders, supply
from backorder.service_layer.handlers.cases import evaluate_case, open_cases

ACTOR = "test"
TODAY = date(2026, 11, 27)  # a Friday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def seed(application: Application, *, stock: dict[str, int] | None = None) -> None:
    """One DC, item A (substitute S, which the customer must accept) and B, three customers."""
    ctx = application.context
    master.save_locations(ctx, [Location("EAST", "east")], ACTOR)
    master.save_suppliers(ctx, [Supplier("ACME")], ACTOR)
    master.save_items(
        ctx,
        [Item("S"), Item("A", substitutes=(Substitute("S", 1.0, True),)), Item("B")],
        ACTOR,
    )
    master.save_customers(
        ctx,
        [
            Customer("C-STR", tier=Tier.STRATEGIC, region="east", home_location="EAST"),
            Customer("C-STD", tier=Tier.STANDARD, region="east", home_location="EAST"),
            Customer(
                "C-ASK",
                tier=Tier.STANDARD,
                region="east",
                home_location="EAST",
                substitution=SubstitutionAcceptance.ASK,
            ),
        ],
        ACTOR,
    )
    if stock:
        supply.set_stock(
            ctx, [supply.StockLevel(sku, "EAST", units) for sku, units in stock.items()], ACTOR
        )


def place(
    application: Application, order_id: str, customer: str, sku: str, quantity: int, days: int = 3
) -> int:
    """Place a one-line order requested in `days`; returns the line id."""
    ctx = application.context
    now = ctx.clock.now()
    line = OrderLine(0, order_id, customer, sku, quantity, TODAY + timedelta(days=days), 10.0, 6.0)
    placed = orders.place_order(ctx, Order(order_id, customer, now, (line,)), ACTOR)
    return placed.lines[0].line_id


def open_case(application: Application, line_id: int) -> str:
    """Open the line's case (as the dispatcher does) and evaluate it once."""
    ctx = application.context
    with ctx.unit_of_work() as uow:
        customer = uow.orders.customers_of([line_id])[line_id]
        sku = uow.orders.get_line(line_id)
        assert sku is not None
        open_cases(uow, [(line_id, sku.line.sku, customer)])
        uow.commit()
    case_id = f"case-{line_id}"
    evaluate_case(ctx, case_id)
    return case_id


def held(application: Application, line_id: int) -> list[tuple[str, int, str]]:
    """(source, units, phase) the line holds, sorted."""
    with application.context.reader() as uow:
        rows = uow.allocations.of_lines([line_id])
    return sorted((r.allocation.source_id, r.allocation.quantity, r.phase) for r in rows)


def outbox(application: Application, kind: str) -> list[dict[str, Any]]:
    """Data of the outbox events of one type, oldest first."""
    with application.engine.connect() as connection:
        rows = connection.execute(
            select(orm.outbox.c.data)
            .where(orm.outbox.c.type == kind)
            .order_by(orm.outbox.c.position)
        ).all()
    return [dict(r.data) for r in rows]


def audit(application: Application, subject: str) -> list[str]:
    """Actions of the audit log about one subject, oldest first."""
    with application.context.reader() as uow:
        return [r["action"] for r in uow.platform.audit_trail(subject)]
