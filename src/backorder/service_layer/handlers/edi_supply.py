"""855 acknowledgements and 856 ship notices, applied through the purchasing handlers.

855: accepted or changed lines are confirmed with the acknowledged date and quantity
(`confirm_po_lines`); backordered lines are confirmed with the later date of their parts;
rejected or deleted lines are rejected (`reject_po_lines`: no longer supply); lines on hold
stay unconfirmed (a warning). 856: every item is a ship notice on its PO line, due on the
expected delivery date (else the ship date, else the notice date) (`record_ship_notices`).
Lines that cannot be matched to a PO line are reported and skipped; the rest apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backorder.adapters.edi import (
    AcknowledgementType,
    LineStatus,
    PurchaseOrderAcknowledgement,
    ShipNotice,
)
from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.domain.model import ConfirmationState
from backorder.service_layer.errors import ConflictError, NotFoundError
from backorder.service_layer.handlers import purchasing
from backorder.service_layer.handlers.edi_common import (
    WARNING,
    DocumentResult,
    Locator,
    element_holding,
    match_line,
    supplier_refusal,
    whole,
)
from backorder.service_layer.shared_transaction import SharedTransaction

_REFUSED = (LineStatus.REJECTED, LineStatus.DELETED)


class _Lookup:
    """PO lines, item units and supplier EDI ids, read once per document."""

    def __init__(self, tx: SharedTransaction, po_numbers: Sequence[str]) -> None:
        self.lines: dict[str, dict[int, PurchaseOrderLine]] = {}
        for po_number in sorted(set(po_numbers)):
            found = tx.outer.supply.po_lines(po_number)
            self.lines[po_number] = {line.line_number: line for line in found}
        skus = sorted({line.sku for lines in self.lines.values() for line in lines.values()})
        self.units = {item.sku: item.uom for item in tx.outer.master.items(skus)} if skus else {}
        self.edi_ids = {s.code: s.edi_id for s in tx.outer.master.suppliers()}


def skus_of(tx: SharedTransaction, po_numbers: Sequence[str]) -> set[str]:
    """The items on some purchase orders (to lock them before anything is applied)."""
    return tx.edi.items_on_purchase_orders(sorted(set(po_numbers)))


def apply_855(
    tx: SharedTransaction, doc: PurchaseOrderAcknowledgement, where: Locator, actor: str
) -> DocumentResult:
    """Confirm, re-date, re-quantify or reject the PO lines the supplier acknowledged."""
    result = DocumentResult(reference=f"855 {doc.po_number}", lines=len(doc.lines))
    look = _Lookup(tx, [doc.po_number])
    lines = look.lines[doc.po_number]
    if not lines:
        raise NotFoundError(f"purchase order {doc.po_number!r} does not exist")
    refusal = supplier_refusal(doc.envelope, next(iter(lines.values())).supplier, look.edi_ids)
    if refusal:
        raise ConflictError(refusal)
    confirmations: list[purchasing.LineConfirmation] = []
    rejections: list[purchasing.LineRejection] = []
    for index, ack in enumerate(doc.lines):
        segment = where.nth("PO1", index)
        reference = f"{doc.po_number} line {ack.line_number or index + 1}"
        found, why, element = match_line(lines, ack.line_number, ack.item.buyer_part_number)
        if found is None:
            element = element or element_holding(segment, ack.item.buyer_part_number)
            result.problems.append(
                where.problem(
                    segment, why, "application.unmatched_line", element=element, reference=reference
                )
            )
            continue
        if ack.status in _REFUSED:
            rejections.append(
                purchasing.LineRejection(doc.po_number, found.line_number, f"855 {ack.status}")
            )
            result.applied += 1
            continue
        if ack.status is LineStatus.ON_HOLD:
            result.problems.append(
                where.problem(
                    segment,
                    "the supplier holds the line: it stays unconfirmed",
                    "application.on_hold",
                    reference=reference,
                    severity=WARNING,
                )
            )
            continue
        problem = _confirmable(ack.acknowledged_quantity, ack.unit, found, look.units)
        if problem:
            result.problems.append(
                where.problem(
                    segment, problem, "application.quantity", element=2, reference=reference
                )
            )
            continue
        quantity = whole(ack.acknowledged_quantity)
        confirmations.append(
            purchasing.LineConfirmation(
                doc.po_number,
                found.line_number,
                ack.scheduled_date or found.due_date,
                quantity if quantity != found.quantity else None,
            )
        )
        result.applied += 1
    if not doc.lines and doc.acknowledgement_type is AcknowledgementType.REJECTED:
        rejections = [purchasing.LineRejection(doc.po_number, n, "855 RJ") for n in lines]
        result.applied = len(rejections)
    if confirmations:
        purchasing.confirm_po_lines(tx.context, confirmations, actor, reallocate=False)
    if rejections:
        purchasing.reject_po_lines(tx.context, rejections, actor, reallocate=False)
    result.reallocate = {line.sku for line in lines.values()}
    return result


def _confirmable(
    quantity: Decimal | None, unit: str | None, line: PurchaseOrderLine, units: dict[str, str]
) -> str | None:
    """Why an acknowledged quantity cannot be taken as it is (None: it can)."""
    if line.confirmation is ConfirmationState.REJECTED:
        return "the line was rejected earlier"
    if unit and units.get(line.sku) and unit != units[line.sku]:
        return f"unit {unit} is not the item's unit {units[line.sku]} (no conversion is known)"
    if quantity is None:
        return None
    count = whole(quantity)
    if count is None:
        return f"quantity {quantity} is not a whole number of units"
    if count < line.received_quantity:
        return f"quantity {count} is below the {line.received_quantity} units received already"
    return None


def apply_856(tx: SharedTransaction, doc: ShipNotice, where: Locator, actor: str) -> DocumentResult:
    """Record every item of a shipment as on its way, due on the expected delivery date."""
    result = DocumentResult(reference=f"856 {doc.shipment_id}", lines=len(doc.items))
    look = _Lookup(tx, [item.po_number for item in doc.items])
    due = doc.expected_delivery_date or doc.ship_date or doc.notice_date
    notices: list[purchasing.ShipNotice] = []
    refused: dict[str, str | None] = {}
    for item in doc.items:
        hl = where.hl(item.hierarchy_id)
        reference = f"HL {item.hierarchy_id} ({item.po_number} line {item.line_number})"
        lines = look.lines[item.po_number]
        if item.po_number not in refused and lines:
            supplier = next(iter(lines.values())).supplier
            refused[item.po_number] = supplier_refusal(doc.envelope, supplier, look.edi_ids)
        if not lines or refused.get(item.po_number):
            why = refused.get(item.po_number) or f"purchase order {item.po_number!r} is unknown"
            prf = where.after(hl, "PRF")
            result.problems.append(
                where.problem(
                    prf or hl,
                    why,
                    "application.unknown_po",
                    element=1 if prf else None,
                    reference=reference,
                )
            )
            continue
        found, why, element = match_line(lines, item.line_number, item.item.buyer_part_number)
        lin = where.after(hl, "LIN")
        if found is None:
            element = element or element_holding(lin, item.item.buyer_part_number)
            result.problems.append(
                where.problem(
                    lin or hl,
                    why,
                    "application.unmatched_line",
                    element=element,
                    reference=reference,
                )
            )
            continue
        problem = _confirmable(item.shipped_quantity, item.unit, found, look.units)
        count = whole(item.shipped_quantity)
        if problem is None and not count:
            problem = "nothing shipped"
        if problem or count is None:
            result.problems.append(
                where.problem(
                    where.after(hl, "SN1"),
                    problem or "",
                    "application.quantity",
                    element=2,
                    reference=reference,
                )
            )
            continue
        notices.append(purchasing.ShipNotice(item.po_number, found.line_number, count, due))
        result.reallocate.add(found.sku)
        result.applied += 1
    if notices:
        purchasing.record_ship_notices(tx.context, notices, actor, reallocate=False)
    return result
