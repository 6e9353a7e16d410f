"""EDI records: control numbers, documents we produced, supplier inventory advice, invoices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from backorder.adapters import orm
from backorder.adapters.repositories.integration import dialect_insert
from backorder.adapters.repositories.supply import value_chunks

_NEXT_NUMBER = (
    update(orm.edi_control_numbers)
    .where(orm.edi_control_numbers.c.name == bindparam("k_name"))
    .values(last_value=orm.edi_control_numbers.c.last_value + 1)
    .returning(orm.edi_control_numbers.c.last_value)
)


@dataclass(frozen=True)
class OutboundDocument:
    """An X12 interchange we produced (a 997 or an 850)."""

    document_id: int
    document_type: str
    partner_qualifier: str
    partner_id: str
    interchange_control_number: str
    reference: str
    created_at: datetime
    content: str


class EdiRepository:
    """Reads and writes EDI records on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- EDI control numbers and outbound documents ------------------------------------------

    def next_control_number(self, name: str) -> int:
        """The next number of a counter (interchange, group, transaction_set)."""
        value = self.connection.execute(_NEXT_NUMBER, {"k_name": name}).scalar_one_or_none()
        if value is not None:
            return int(value)
        # First use: create the counter (a concurrent creator wins, then we count on it).
        self.connection.execute(
            dialect_insert(self.connection, orm.edi_control_numbers)
            .values(name=name, last_value=0)
            .on_conflict_do_nothing(index_elements=[orm.edi_control_numbers.c.name])
        )
        return int(self.connection.execute(_NEXT_NUMBER, {"k_name": name}).scalar_one())

    def items_on_purchase_orders(self, po_numbers: Sequence[str]) -> set[str]:
        """The SKUs on some purchase orders."""
        table = orm.purchase_order_lines
        found: set[str] = set()
        for chunk in value_chunks(po_numbers):
            assert chunk is not None
            rows = self.connection.execute(
                select(table.c.sku).where(table.c.po_number.in_(chunk)).distinct()
            )
            found.update(rows.scalars())
        return found

    def purchase_order_created_at(self, po_number: str) -> datetime | None:
        """When a purchase order was recorded."""
        table = orm.purchase_orders
        found: datetime | None = self.connection.execute(
            select(table.c.created_at).where(table.c.po_number == po_number)
        ).scalar_one_or_none()
        return found

    def add_outbound_document(
        self,
        *,
        document_type: str,
        partner_qualifier: str,
        partner_id: str,
        interchange_control_number: str,
        reference: str,
        content: str,
        now: datetime,
    ) -> int:
        """Store an interchange we produced; returns its document id."""
        table = orm.edi_outbound_documents
        return int(
            self.connection.execute(
                insert(table)
                .values(
                    document_type=document_type,
                    partner_qualifier=partner_qualifier,
                    partner_id=partner_id,
                    interchange_control_number=interchange_control_number,
                    reference=reference,
                    created_at=now,
                    content=content,
                )
                .returning(table.c.document_id)
            ).scalar_one()
        )

    def outbound_document(self, document_type: str, reference: str) -> OutboundDocument | None:
        """The first document of a type produced for a reference, if any."""
        table = orm.edi_outbound_documents
        row = self.connection.execute(
            select(table)
            .where(table.c.document_type == document_type, table.c.reference == reference)
            .order_by(table.c.document_id)
            .limit(1)
        ).first()
        return OutboundDocument(**row._mapping) if row is not None else None

    def outbound_documents(
        self, after: int, limit: int, document_type: str | None = None
    ) -> list[OutboundDocument]:
        """Documents produced after a document id, oldest first."""
        table = orm.edi_outbound_documents
        query = select(table).where(table.c.document_id > after)
        if document_type is not None:
            query = query.where(table.c.document_type == document_type)
        rows = self.connection.execute(query.order_by(table.c.document_id).limit(limit))
        return [OutboundDocument(**r._mapping) for r in rows]

    # -- supplier inventory advice (846) ---------------------------------------------------

    def save_inventory_advice(self, rows: Sequence[dict[str, Any]]) -> None:
        """Store the latest quantity per sender x item x kind; older reports do not win."""
        table = orm.supplier_inventory_advice
        for start in range(0, len(rows), 500):
            statement = dialect_insert(self.connection, table).values(
                list(rows[start : start + 500])
            )
            excluded = statement.excluded
            changing = (
                "supplier",
                "sku",
                "vendor_part_number",
                "quantity",
                "unit",
                "available_date",
                "report_date",
                "reference",
                "received_at",
            )
            self.connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.sender_id, table.c.item_key, table.c.kind],
                    set_={name: excluded[name] for name in changing},
                    where=excluded.report_date >= table.c.report_date,
                )
            )

    def inventory_advice(self, sku: str) -> list[dict[str, Any]]:
        """What suppliers last advised about an item."""
        table = orm.supplier_inventory_advice
        rows = self.connection.execute(
            select(table).where(table.c.sku == sku).order_by(table.c.sender_id, table.c.kind)
        )
        return [dict(r._mapping) for r in rows]

    # -- supplier invoices (810) -------------------------------------------------------------

    def invoice_exists(self, sender_id: str, invoice_number: str) -> bool:
        """True when this sender's invoice number is stored."""
        table = orm.supplier_invoices
        found = self.connection.execute(
            select(table.c.invoice_number).where(
                table.c.sender_id == sender_id, table.c.invoice_number == invoice_number
            )
        ).first()
        return found is not None

    def invoiced_quantities(self, source_ids: Sequence[str]) -> dict[str, float]:
        """Units invoiced so far per PO line (over every stored invoice)."""
        table = orm.supplier_invoice_lines
        found: dict[str, float] = {}
        for chunk in value_chunks(source_ids):
            assert chunk is not None
            rows = self.connection.execute(
                select(table.c.source_id, func.sum(table.c.quantity))
                .where(table.c.source_id.in_(chunk))
                .group_by(table.c.source_id)
            )
            found.update({r[0]: float(r[1]) for r in rows})
        return found

    def add_invoice(self, header: dict[str, Any], lines: Sequence[dict[str, Any]]) -> None:
        """Store an invoice with its lines (and how each matched)."""
        self.connection.execute(insert(orm.supplier_invoices).values(**header))
        if lines:
            self.connection.execute(insert(orm.supplier_invoice_lines), list(lines))

    def invoice(self, sender_id: str, invoice_number: str) -> dict[str, Any] | None:
        """A stored invoice with its lines."""
        head, body = orm.supplier_invoices, orm.supplier_invoice_lines
        row = self.connection.execute(
            select(head).where(
                head.c.sender_id == sender_id, head.c.invoice_number == invoice_number
            )
        ).first()
        if row is None:
            return None
        lines = self.connection.execute(
            select(body)
            .where(body.c.sender_id == sender_id, body.c.invoice_number == invoice_number)
            .order_by(body.c.position)
        )
        return dict(row._mapping) | {"lines": [dict(r._mapping) for r in lines]}


def advice_row(
    *,
    sender_id: str,
    item_key: str,
    kind: str,
    supplier: str | None,
    sku: str | None,
    vendor_part_number: str | None,
    quantity: float,
    unit: str | None,
    available_date: date | None,
    report_date: date,
    reference: str,
    received_at: datetime,
) -> dict[str, Any]:
    """A row of `supplier_inventory_advice` (keyword-checked, so no column is misspelt)."""
    return {
        "sender_id": sender_id,
        "item_key": item_key,
        "kind": kind,
        "supplier": supplier,
        "sku": sku,
        "vendor_part_number": vendor_part_number,
        "quantity": quantity,
        "unit": unit,
        "available_date": available_date,
        "report_date": report_date,
        "reference": reference,
        "received_at": received_at,
    }
