"""846 inventory advice and 810 invoices: stored, and invoices matched to receipts.

846: the latest quantity per supplier x item x kind (available, on hand, on order, ...) is
kept in `supplier_inventory_advice`; an older report never overwrites a newer one. An item
is keyed by our SKU (the buyer part number) when we know it, else by the vendor part.

810: the invoice and its lines are stored in `supplier_invoices`; each line is matched to
its PO line (by IT101, else by buyer part number) and the quantity invoiced so far on that
line — this invoice included — is compared with what was received: `matched` (equal),
`partially_invoiced` (less: more invoices may follow), `over_invoiced` (more than received),
`price_mismatch` (unit price differs from the PO's unit cost by more than half a percent),
`no_po_line`. Anything but the first two makes the invoice a `mismatch`: reported, and an
`invoice_mismatch` task for finance (once per invoice).
"""

from __future__ import annotations

from typing import Any

from backorder.adapters.edi import InventoryAdvice, Invoice
from backorder.adapters.repositories.edi import advice_row
from backorder.service_layer.errors import ConflictError
from backorder.service_layer.handlers.cases import open_task
from backorder.service_layer.handlers.edi_common import (
    MISMATCH,
    WARNING,
    DocumentResult,
    Locator,
    element_holding,
    match_line,
)
from backorder.service_layer.handlers.inline import with_tasks
from backorder.service_layer.shared_transaction import SharedTransaction

PRICE_TOLERANCE = 0.005
_AVAILABLE_FROM = "018"  # DTM qualifier: available


def sender_key(doc: InventoryAdvice | Invoice) -> str:
    """`<ISA05>:<ISA06>` of the interchange a document came in."""
    interchange = doc.envelope.interchange
    return f"{interchange.sender_qualifier}:{interchange.sender_id}"


def _supplier_of(tx: SharedTransaction, doc: InventoryAdvice | Invoice) -> str | None:
    sender = doc.envelope.interchange
    for supplier in tx.outer.master.suppliers():
        if not supplier.edi_id:
            continue
        qualifier, _, ident = supplier.edi_id.rpartition(":")
        if ident == sender.sender_id and qualifier in ("", sender.sender_qualifier):
            return supplier.code
    return None


def apply_846(tx: SharedTransaction, doc: InventoryAdvice, where: Locator) -> DocumentResult:
    """Store what the supplier says it has, per item and quantity kind."""
    result = DocumentResult(reference=f"846 {doc.reference}", lines=len(doc.items))
    supplier = _supplier_of(tx, doc)
    named = [i.item.buyer_part_number for i in doc.items if i.item.buyer_part_number]
    known = tx.outer.master.known_skus(named) if named else set()
    now = tx.context.clock.now()
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(doc.items):
        sku = item.item.buyer_part_number if item.item.buyer_part_number in known else None
        vendor = item.item.vendor_part_number
        key = sku or (f"VP:{vendor}" if vendor else None) or item.item.gtin
        segment = where.nth("LIN", index)
        if key is None:
            result.problems.append(
                where.problem(
                    segment,
                    "no product id we can key the item by",
                    "application.item",
                    reference=f"LIN {item.line_id or index + 1}",
                )
            )
            continue
        if sku is None:
            result.problems.append(
                where.problem(
                    segment,
                    f"item not known here; stored under {key}",
                    "application.unknown_item",
                    severity=WARNING,
                    element=element_holding(segment, item.item.buyer_part_number),
                    reference=f"LIN {item.line_id or index + 1}",
                )
            )
        totals: dict[str, float] = {}
        available: dict[str, Any] = {}
        for quantity in item.quantities:
            totals[quantity.kind] = totals.get(quantity.kind, 0.0) + float(quantity.quantity)
            dated = [d.value for d in quantity.dates if d.qualifier == _AVAILABLE_FROM]
            available.setdefault(quantity.kind, dated[0] if dated else None)
        rows.extend(
            advice_row(
                sender_id=sender_key(doc),
                item_key=key,
                kind=kind,
                supplier=supplier,
                sku=sku,
                vendor_part_number=vendor,
                quantity=total,
                unit=next((q.unit for q in item.quantities if q.kind == kind), None),
                available_date=available.get(kind),
                report_date=doc.report_date,
                reference=doc.reference,
                received_at=now,
            )
            for kind, total in totals.items()
        )
        result.applied += 1
    tx.edi.save_inventory_advice(rows)
    return result


def apply_810(tx: SharedTransaction, doc: Invoice, where: Locator) -> DocumentResult:
    """Store an invoice and match each line against what its PO line received."""
    sender = sender_key(doc)
    if tx.edi.invoice_exists(sender, doc.invoice_number):
        raise ConflictError(f"invoice {doc.invoice_number} of {sender} is recorded already")
    result = DocumentResult(reference=f"810 {doc.invoice_number}", lines=len(doc.lines))
    po_lines = tx.outer.supply.po_lines(doc.po_number) if doc.po_number else []
    by_number = {line.line_number: line for line in po_lines}
    invoiced = tx.edi.invoiced_quantities([line.source_id for line in po_lines])
    rows: list[dict[str, Any]] = []
    for index, line in enumerate(doc.lines):
        segment = where.nth("IT1", index)
        found, why, _ = match_line(by_number, line.line_number, line.item.buyer_part_number)
        quantity, price = float(line.quantity), float(line.unit_price)
        row: dict[str, Any] = {
            "sender_id": sender,
            "invoice_number": doc.invoice_number,
            "position": index + 1,
            "line_number": line.line_number,
            "sku": found.sku if found else line.item.buyer_part_number,
            "quantity": quantity,
            "unit_price": price,
            "source_id": found.source_id if found else None,
            "invoiced_to_date": None,
            "received_quantity": None,
        }
        if found is None:
            row["match"] = "no_po_line"
            reason = why if doc.po_number else "the invoice names no purchase order"
        else:
            to_date = invoiced.get(found.source_id, 0.0) + quantity
            invoiced[found.source_id] = to_date
            row |= {"invoiced_to_date": to_date, "received_quantity": found.received_quantity}
            row["match"], reason = _verdict(
                to_date, found.received_quantity, price, found.unit_cost
            )
        if row["match"] not in ("matched", "partially_invoiced"):
            result.problems.append(
                where.problem(
                    segment,
                    reason,
                    f"invoice.{row['match']}",
                    severity=MISMATCH,
                    element=2 if row["match"] == "over_invoiced" else None,
                    reference=f"{doc.invoice_number} line {line.line_number or index + 1}",
                )
            )
        rows.append(row)
        result.applied += 1
    status = "mismatch" if result.problems else "matched"
    supplier = _supplier_of(tx, doc)
    if result.problems:
        _open_mismatch_task(tx, doc, sender, supplier, [p.reason for p in result.problems])
    tx.edi.add_invoice(
        {
            "sender_id": sender,
            "invoice_number": doc.invoice_number,
            "supplier": supplier,
            "po_number": doc.po_number,
            "invoice_date": doc.invoice_date,
            "currency": doc.currency,
            "total_amount": float(doc.total_amount),
            "match_status": status,
            "received_at": tx.context.clock.now(),
        },
        rows,
    )
    result.details = {
        "invoice_number": doc.invoice_number,
        "po_number": doc.po_number,
        "match_status": status,
        "lines": [
            {k: row[k] for k in ("line_number", "sku", "quantity", "unit_price", "match")}
            | {"invoiced_to_date": row["invoiced_to_date"], "received": row["received_quantity"]}
            for row in rows
        ],
    }
    return result


def _verdict(invoiced: float, received: int, price: float, cost: float) -> tuple[str, str]:
    if invoiced > received:
        return "over_invoiced", f"{invoiced:g} invoiced so far but {received} received"
    if cost > 0 and abs(price - cost) > PRICE_TOLERANCE * cost:
        return "price_mismatch", f"unit price {price:g} differs from the PO's {cost:g}"
    if invoiced < received:
        return "partially_invoiced", f"{invoiced:g} of {received} received invoiced so far"
    return "matched", ""


def _open_mismatch_task(
    tx: SharedTransaction, doc: Invoice, sender: str, supplier: str | None, reasons: list[str]
) -> None:
    """A finance task to settle the invoice with the supplier before it is paid."""
    with tx.context.unit_of_work() as uow:
        open_task(
            with_tasks(uow),
            tx.context,
            cause=f"invoice:{sender}:{doc.invoice_number}",
            case_id=None,
            task_type="invoice_mismatch",
            subject=(
                f"Invoice {doc.invoice_number} from {supplier or sender} does not match "
                f"{doc.po_number or 'a purchase order'}"
            )[:200],
            detail="; ".join(reasons),
        )
        uow.commit()
