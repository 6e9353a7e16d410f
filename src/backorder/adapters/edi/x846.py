"""846 inventory inquiry/advice -> `InventoryAdvice`."""

from __future__ import annotations

from collections.abc import Mapping

from backorder.adapters.edi.documents import (
    EnvelopeInfo,
    InventoryAdvice,
    InventoryItem,
    InventoryQuantity,
)
from backorder.adapters.edi.fields import (
    Findings,
    check_line_count,
    coded,
    dates,
    item_ids,
    number,
    required_date,
    required_text,
    text,
)
from backorder.adapters.edi.grammar import GrammarNode

# QTY01 (X12 element 673) -> our meaning. Only qualifiers whose meaning for stock is clear;
# a trading partner with others passes its own mapping to `parse_inbound`.
QUANTITY_KINDS: Mapping[str, str] = {
    "17": "on_hand",
    "33": "available",
    "63": "on_order",
    "02": "cumulative",
    "20": "unusable",
}


def read_846(
    root: GrammarNode,
    envelope: EnvelopeInfo,
    findings: Findings,
    quantity_kinds: Mapping[str, str] = QUANTITY_KINDS,
) -> InventoryAdvice | None:
    """Read an 846; None when `findings` holds problems."""
    bia = root.first("BIA")
    if bia is None:
        findings.segment(root, "BIA segment is missing", code="missing_segment", segment_id="BIA")
        return None
    reference = required_text(bia, 3, findings, "reference identification")
    report_date = required_date(bia, 4, findings, "report date")
    items = tuple(_item(lin, quantity_kinds, findings) for lin in root.all("LIN"))
    check_line_count(root, "LIN", len(items), findings)
    if findings.problems:
        return None
    return InventoryAdvice(
        envelope=envelope,
        purpose_code=bia.get(1) or "",
        report_type_code=bia.get(2) or "",
        reference=reference,
        report_date=report_date,
        items=items,
    )


def _item(lin: GrammarNode, kinds: Mapping[str, str], findings: Findings) -> InventoryItem:
    qtys = lin.all("QTY")
    if not qtys:
        # An advice line without a quantity tells us nothing about stock.
        findings.segment(lin, "item without QTY", code="missing_segment", segment_id="QTY")
    quantities = []
    for qty in qtys:
        kind = coded(qty, 1, findings, kinds, "quantity qualifier (QTY01)")
        amount = number(qty, 2, findings, "quantity", required=True)
        if kind is not None and amount is not None:
            quantities.append(
                InventoryQuantity(
                    qualifier=qty.get(1) or "",
                    kind=kind,
                    quantity=amount,
                    unit=text(qty, 3, 1),
                    dates=dates(qty.all("DTM"), findings),
                )
            )
    pid = lin.first("PID")
    return InventoryItem(
        line_id=text(lin, 1),
        item=item_ids(lin, 2, findings),
        description=text(pid, 5) if pid is not None else None,
        quantities=tuple(quantities),
        dates=dates(lin.all("DTM"), findings),
    )
