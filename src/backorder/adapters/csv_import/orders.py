"""orders.csv: customer orders, one row per line, grouped into orders by `order_id`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of
from backorder.adapters.csv_import.grouped import DocumentKind, Group, differing, duplicate_lines
from backorder.adapters.csv_import.parsed import Parsed, Reference, RefKind
from backorder.adapters.csv_import.reader import Column, FileSpec, RowError
from backorder.domain.model import Order, OrderLine

SPEC = FileSpec(
    "orders",
    (
        Column("order_id", True, "order number; rows with the same one form one order"),
        Column("line_number", True, "line number within the order, >= 1, unique per order"),
        Column("line_id", False, "the source system's line id (shown in the report only)"),
        Column("customer", True, "a known customer; the same on every row of an order"),
        Column("sku", True, "a known item"),
        Column("quantity", True, "units ordered, whole number > 0"),
        Column("requested_date", True, "date the customer wants it (YYYY-MM-DD)"),
        Column("unit_price", False, "price per unit, >= 0 (default 0)"),
        Column("unit_cost", False, "cost per unit, >= 0 (default 0)"),
        Column("ship_from", False, "DC the line must ship from (a known location)"),
        Column("order_type", False, "free text, e.g. standard, rush (default standard)"),
        Column(
            "ordered_at",
            False,
            "when the order was placed (ISO date-time, UTC without offset; default: the "
            "import time); the same on every row of an order",
        ),
    ),
    key="order_id,line_number",
)
NOUN = "order"


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One line of an order as written in the file."""

    order_id: str
    line_number: int
    line_id: str | None
    customer: str
    sku: str
    quantity: int
    requested_date: date
    unit_price: float
    unit_cost: float
    ship_from: str | None
    order_type: str
    ordered_at: datetime | None


def parse_row(fields: RowFields) -> Parsed[OrderRow] | None:
    """An order line from one row."""
    lines = orm.order_lines.c
    order_id = fields.text("order_id", required=True, max_length=length_of(orm.orders.c.order_id))
    line_number = fields.integer("line_number", minimum=1, required=True)
    line_id = fields.text("line_id", max_length=200)
    customer = fields.text("customer", required=True, max_length=length_of(lines.customer))
    sku = fields.text("sku", required=True, max_length=length_of(lines.sku))
    quantity = fields.integer("quantity", minimum=1, required=True)
    requested = fields.day("requested_date", required=True)
    unit_price = fields.decimal("unit_price")
    unit_cost = fields.decimal("unit_cost")
    ship_from = fields.text("ship_from", max_length=length_of(lines.ship_from))
    order_type = fields.text("order_type", max_length=length_of(lines.order_type))
    ordered_at = fields.instant("ordered_at")
    if (
        order_id is None
        or line_number is None
        or customer is None
        or sku is None
        or quantity is None
        or requested is None
        or not fields.ok
    ):
        return None
    references = [
        Reference("customer", RefKind.CUSTOMER, customer, customer),
        Reference("sku", RefKind.ITEM, sku, sku),
    ]
    if ship_from:
        references.append(Reference("ship_from", RefKind.LOCATION, ship_from, ship_from))
    row = OrderRow(
        order_id=order_id,
        line_number=line_number,
        line_id=line_id,
        customer=customer,
        sku=sku,
        quantity=quantity,
        requested_date=requested,
        unit_price=unit_price or 0.0,
        unit_cost=unit_cost or 0.0,
        ship_from=ship_from,
        order_type=order_type or "standard",
        ordered_at=ordered_at,
    )
    return Parsed(fields.row.number, row, order_id, tuple(references))


def check_order(group: Group[OrderRow]) -> list[RowError]:
    """Rows that do not fit their order: repeated line numbers, another customer or time."""
    return [
        *duplicate_lines(group, lambda r: r.line_number, NOUN),
        *differing(group, "customer", lambda r: r.customer, NOUN),
        *differing(
            group,
            "ordered_at",
            lambda r: r.ordered_at.isoformat() if r.ordered_at else None,
            NOUN,
        ),
    ]


def to_order(group: Group[OrderRow], default_ordered_at: datetime) -> Order:
    """The order of a group of good rows, its lines by line number."""
    rows = sorted((p.value for p in group.parsed), key=lambda r: r.line_number)
    ordered_at = next((r.ordered_at for r in rows if r.ordered_at), default_ordered_at)
    customer = rows[0].customer
    return Order(
        order_id=group.key,
        customer=customer,
        ordered_at=ordered_at,
        lines=tuple(
            OrderLine(
                line_id=0,  # the database assigns line ids
                order_id=group.key,
                customer=customer,
                sku=r.sku,
                quantity=r.quantity,
                requested_date=r.requested_date,
                unit_price=r.unit_price,
                unit_cost=r.unit_cost,
                ship_from=r.ship_from,
                order_type=r.order_type,
                ordered_at=ordered_at,
            )
            for r in rows
        ),
    )


KIND = DocumentKind(NOUN, "order_id", parse_row, check_order, lambda row: row.line_number)
