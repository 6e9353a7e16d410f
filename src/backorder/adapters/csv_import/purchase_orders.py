"""purchase-orders.csv: open purchase orders, one row per line, grouped by `po_number`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of
from backorder.adapters.csv_import.grouped import DocumentKind, Group, differing, duplicate_lines
from backorder.adapters.csv_import.parsed import Parsed, Reference, RefKind
from backorder.adapters.csv_import.reader import Column, FileSpec, RowError
from backorder.domain.model import ConfirmationState

SPEC = FileSpec(
    "purchase-orders",
    (
        Column("po_number", True, "PO number; rows with the same one form one purchase order"),
        Column("line_number", True, "line number, the lines of a PO numbered 1..n"),
        Column("supplier", True, "a known supplier; the same on every row of a PO"),
        Column("sku", True, "a known item"),
        Column("location", True, "receiving DC (a known location)"),
        Column("quantity", True, "units ordered, whole number > 0"),
        Column("expected_date", True, "expected receipt date (YYYY-MM-DD)"),
        Column(
            "confirmation",
            False,
            "unconfirmed, confirmed or shipped (default unconfirmed); confirmed and shipped "
            "lines take expected_date as the supplier's date",
        ),
        Column("unit_cost", False, "cost per unit, >= 0 (default 0)"),
    ),
    key="po_number,line_number",
)
NOUN = "purchase order"
_STATES = (ConfirmationState.UNCONFIRMED, ConfirmationState.CONFIRMED, ConfirmationState.SHIPPED)


@dataclass(frozen=True, slots=True)
class PurchaseOrderRow:
    """One line of a purchase order as written in the file."""

    po_number: str
    line_number: int
    supplier: str
    sku: str
    location: str
    quantity: int
    expected_date: date
    confirmation: ConfirmationState
    unit_cost: float


def parse_row(fields: RowFields) -> Parsed[PurchaseOrderRow] | None:
    """A purchase-order line from one row."""
    po_number = fields.text(
        "po_number", required=True, max_length=length_of(orm.purchase_orders.c.po_number)
    )
    line_number = fields.integer("line_number", minimum=1, required=True)
    supplier = fields.text("supplier", required=True, max_length=length_of(orm.suppliers.c.code))
    sku = fields.text("sku", required=True, max_length=length_of(orm.items.c.sku))
    location = fields.text("location", required=True, max_length=length_of(orm.locations.c.code))
    quantity = fields.integer("quantity", minimum=1, required=True)
    expected = fields.day("expected_date", required=True)
    confirmation = fields.choice("confirmation", ConfirmationState)
    if confirmation is not None and confirmation not in _STATES:
        fields.error("confirmation", "must be one of unconfirmed, confirmed, shipped")
    unit_cost = fields.decimal("unit_cost")
    if (
        po_number is None
        or line_number is None
        or supplier is None
        or sku is None
        or location is None
        or quantity is None
        or expected is None
        or not fields.ok
    ):
        return None
    row = PurchaseOrderRow(
        po_number=po_number,
        line_number=line_number,
        supplier=supplier,
        sku=sku,
        location=location,
        quantity=quantity,
        expected_date=expected,
        confirmation=confirmation or ConfirmationState.UNCONFIRMED,
        unit_cost=unit_cost or 0.0,
    )
    references = (
        Reference("supplier", RefKind.SUPPLIER, supplier, supplier),
        Reference("sku", RefKind.ITEM, sku, sku),
        Reference("location", RefKind.LOCATION, location, location),
    )
    return Parsed(fields.row.number, row, po_number, references)


def check_purchase_order(group: Group[PurchaseOrderRow]) -> list[RowError]:
    """Rows that do not fit their PO: repeated or gapped line numbers, another supplier.

    Lines are stored by position (`create_purchase_order` numbers them 1..n), and supplier
    acknowledgements refer to those numbers, so the file must number them the same way.
    """
    errors = [
        *duplicate_lines(group, lambda r: r.line_number, NOUN),
        *differing(group, "supplier", lambda r: r.supplier, NOUN),
    ]
    count = len(group.rows)  # every row of the PO, also those that did not parse
    errors.extend(
        RowError(
            p.row,
            "line_number",
            str(p.value.line_number),
            f"{NOUN} {group.key!r} has {count} line(s): number them 1..{count} without gaps",
        )
        for p in group.parsed
        if p.value.line_number > count
    )
    return errors


KIND = DocumentKind(NOUN, "po_number", parse_row, check_purchase_order, lambda row: row.line_number)
