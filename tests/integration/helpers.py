"""Shared arrangements for the repository tests (plain functions, so no fixture clashes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Table, func, select

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Item,
    Location,
    Order,
    OrderLine,
    Period,
    Substitute,
    SubstitutionAcceptance,
    Supplier,
    Tier,
    TransferLane,
)

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def in_days(days: int) -> date:
    """The date `days` after the pinned today."""
    return TODAY + timedelta(days=days)


def utc(value: datetime) -> datetime:
    """An instant as UTC (SQLite hands back naive UTC datetimes)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def count(application: Application, table: Table) -> int:
    """Rows in a table, read outside any unit of work."""
    with application.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def seed_master(application: Application) -> None:
    """Two DCs with lanes, a supplier, three items (one with substitutes), three customers."""
    with application.context.unit_of_work() as uow:
        for location in (Location("EAST", "east", "East DC"), Location("WEST", "west")):
            uow.master.save_location(location)
        uow.master.save_lane(TransferLane("EAST", "WEST", 3, 0.5))
        uow.master.save_lane(TransferLane("WEST", "EAST", 4, 0.75))
        uow.master.save_supplier(Supplier("ACME", "Acme Corp", 21, "ACME01", "po@acme.example"))
        for item in (
            Item("A", "bolt", "EA", 4.0, 10.0, "fasteners", "g1", (), "ACME", 10, 2),
            Item("C", "screw"),
            Item("B", "nut", substitutes=(Substitute("A", 2.0, False), Substitute("C"))),
        ):
            uow.master.save_item(item)
        uow.master.save_customer(
            Customer(
                "C-STR",
                "Strategic plc",
                Tier.STRATEGIC,
                "east",
                "EAST",
                (ContractCommitment("A", 50, Period.WEEK), ContractCommitment("B", 9)),
                ship_complete=True,
                substitution=SubstitutionAcceptance.PRE_ACCEPTED,
                notification_channel="edi",
                email="buyer@str.example",
            )
        )
        uow.master.save_customer(Customer("C-STD", "Standard", Tier.STANDARD, "east", "EAST"))
        uow.master.save_customer(Customer("C-WEST", "West", Tier.STANDARD, "west", "WEST"))
        uow.commit()


def new_order(order_id: str, customer: str, *lines: tuple[str, int], days: int = 3) -> Order:
    """An order with (sku, quantity) lines requested `days` from today."""
    return Order(
        order_id,
        customer,
        NOW,
        tuple(
            OrderLine(0, order_id, customer, sku, qty, in_days(days), 10.0, 6.0, ordered_at=NOW)
            for sku, qty in lines
        ),
    )


def oversold(application: Application) -> dict[str, tuple[int, int]]:
    """Supply sources holding more allocations than units: source id -> (allocated, units)."""
    with application.context.reader() as uow:
        units = {
            f"OH/{sku}/{location}": max(on_hand, 0) for sku, location, on_hand in uow.supply.stock()
        }
        units |= {line.source_id: line.open_quantity for line in uow.supply.open_po_lines()}
    with application.engine.connect() as connection:
        held = connection.execute(
            select(orm.allocations.c.source_id, func.sum(orm.allocations.c.quantity)).group_by(
                orm.allocations.c.source_id
            )
        ).all()
    return {
        source: (int(total), units.get(source, 0))
        for source, total in held
        if int(total) > units.get(source, 0)
    }
