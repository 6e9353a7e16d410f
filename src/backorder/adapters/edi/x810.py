"""810 invoice -> `Invoice`."""

from __future__ import annotations

from decimal import Decimal

from backorder.adapters.edi.documents import EnvelopeInfo, Invoice, InvoiceLine
from backorder.adapters.edi.fields import (
    Findings,
    amount,
    ccyymmdd,
    check_line_count,
    item_ids,
    number,
    required_date,
    required_text,
    text,
)
from backorder.adapters.edi.grammar import GrammarNode


def read_810(root: GrammarNode, envelope: EnvelopeInfo, findings: Findings) -> Invoice | None:
    """Read an 810; None when `findings` holds problems."""
    big = root.first("BIG")
    if big is None:
        findings.segment(root, "BIG segment is missing", code="missing_segment", segment_id="BIG")
        return None
    invoice_date = required_date(big, 1, findings, "invoice date")
    invoice_number = required_text(big, 2, findings, "invoice number")
    po_date = ccyymmdd(big, 3, findings)
    lines = tuple(_line(it1, findings) for it1 in root.all("IT1"))
    check_line_count(root, "IT1", len(lines), findings)
    tds = root.first("TDS")
    if tds is None:
        findings.segment(root, "TDS segment is missing", code="missing_segment", segment_id="TDS")
        return None
    # TDS01 has two implied decimals; the grammar (type N2) has already placed the point.
    total = amount(tds, 1, findings, "total invoice amount")
    cur = root.first("CUR")
    if findings.problems or total is None:
        return None
    return Invoice(
        envelope=envelope,
        invoice_number=invoice_number,
        invoice_date=invoice_date,
        po_number=text(big, 4),
        po_date=po_date,
        currency=text(cur, 2) if cur is not None else None,
        lines=lines,
        total_amount=total,
    )


def _line(it1: GrammarNode, findings: Findings) -> InvoiceLine:
    quantity = number(it1, 2, findings, "quantity invoiced", required=True)
    price = number(it1, 4, findings, "unit price", required=True)
    return InvoiceLine(
        line_number=text(it1, 1),
        quantity=quantity if quantity is not None else Decimal(0),
        unit=text(it1, 3),
        unit_price=price if price is not None else Decimal(0),
        item=item_ids(it1, 6, findings),
    )
