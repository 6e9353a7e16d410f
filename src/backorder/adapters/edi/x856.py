"""856 ship notice -> `ShipNotice`.

The grammar keeps HL segments flat (one loop per HL); the hierarchy is rebuilt from HL01
(id) and HL02 (parent id). An item (HL03 = I) takes its purchase order number from the PRF
of the nearest level above it, or its own PRF, so both the common S-O-I and the S-O-P-I
("pick and pack") layouts work.
"""

from __future__ import annotations

from decimal import Decimal

from backorder.adapters.edi.documents import EnvelopeInfo, ShipNotice, ShipNoticeItem
from backorder.adapters.edi.errors import ElementError
from backorder.adapters.edi.fields import (
    Findings,
    coded,
    dates,
    first_date,
    item_ids,
    number,
    required_date,
    required_text,
    text,
)
from backorder.adapters.edi.grammar import GrammarNode

# HL03 (X12 element 735) levels we understand.
LEVELS: dict[str, str] = {"S": "shipment", "O": "order", "P": "pack", "T": "tare", "I": "item"}
_TRACKING = ("CN", "2I")  # carrier reference (PRO) and tracking number
_BILL_OF_LADING = "BM"


def read_856(root: GrammarNode, envelope: EnvelopeInfo, findings: Findings) -> ShipNotice | None:
    """Read an 856; None when `findings` holds problems."""
    bsn = root.first("BSN")
    if bsn is None:
        findings.segment(root, "BSN segment is missing", code="missing_segment", segment_id="BSN")
        return None
    shipment_id = required_text(bsn, 2, findings, "shipment identification")
    notice_date = required_date(bsn, 3, findings, "ship notice date")
    levels, parents = _hierarchy(root.all("HL"), findings)
    shipments = [hl for hl, level in levels if level == "shipment"]
    if not shipments:
        findings.segment(
            root, "no shipment level (HL03 = S)", code="missing_segment", segment_id="HL"
        )
    shipment = shipments[0] if shipments else None
    found_dates = dates(root.all("DTM"), findings)
    if shipment is not None:
        found_dates += dates(shipment.all("DTM"), findings)
    td5 = shipment.first("TD5") if shipment is not None else None
    refs = [
        ref
        for hl, level in levels
        if level in ("shipment", "pack", "tare")
        for ref in hl.all("REF")
    ]
    tracking = tuple(dict.fromkeys(r.get(2) or "" for r in refs if r.get(1) in _TRACKING))
    bills = [r.get(2) for r in refs if r.get(1) == _BILL_OF_LADING]
    items = tuple(
        item
        for hl, level in levels
        if level == "item"
        for item in [_item(hl, parents, findings)]
        if item is not None
    )
    if findings.problems:
        return None
    return ShipNotice(
        envelope=envelope,
        purpose_code=bsn.get(1) or "",
        shipment_id=shipment_id,
        notice_date=notice_date,
        ship_date=first_date(found_dates, "011"),
        expected_delivery_date=first_date(found_dates, "017", "067"),
        carrier_code=text(td5, 3) if td5 is not None else None,
        carrier_name=text(td5, 5) if td5 is not None else None,
        tracking_numbers=tuple(t for t in tracking if t),
        bill_of_lading=bills[0] if bills else None,
        items=items,
    )


def _hierarchy(
    hls: tuple[GrammarNode, ...], findings: Findings
) -> tuple[list[tuple[GrammarNode, str]], dict[str, GrammarNode | None]]:
    """(HL, level name) in file order and, per HL01, the parent HL."""
    levels: list[tuple[GrammarNode, str]] = []
    by_id: dict[str, GrammarNode] = {}
    parents: dict[str, GrammarNode | None] = {}
    for hl in hls:
        ident = hl.get(1) or ""
        parent_id = hl.get(2)
        if ident in by_id:
            findings.element(
                hl,
                1,
                f"HL01 {ident!r} is used twice",
                code="duplicate_hierarchy_id",
                element_error=ElementError.INVALID_CODE,
                value=ident,
            )
            continue
        if parent_id is not None and parent_id not in by_id:
            findings.element(
                hl,
                2,
                f"HL02 parent {parent_id!r} is not an earlier HL01",
                code="unknown_parent",
                element_error=ElementError.INVALID_CODE,
                value=parent_id,
            )
        level = coded(hl, 3, findings, LEVELS, "hierarchical level code (HL03)")
        by_id[ident] = hl
        parents[ident] = by_id.get(parent_id) if parent_id is not None else None
        if level is not None:
            levels.append((hl, level))
    return levels, parents


def _item(
    hl: GrammarNode, parents: dict[str, GrammarNode | None], findings: Findings
) -> ShipNoticeItem | None:
    lin, sn1 = hl.first("LIN"), hl.first("SN1")
    if lin is None:
        findings.segment(hl, "item level without LIN", code="missing_segment", segment_id="LIN")
    if sn1 is None:
        findings.segment(hl, "item level without SN1", code="missing_segment", segment_id="SN1")
    prf = _nearest_prf(hl, parents)
    if prf is None:
        findings.segment(
            hl,
            "item has no PRF (purchase order) on its own or an enclosing level",
            code="missing_segment",
            segment_id="PRF",
        )
    if lin is None or sn1 is None or prf is None:
        return None
    quantity = number(sn1, 2, findings, "shipped quantity", required=True)
    unit = required_text(sn1, 3, findings, "unit of measure")
    return ShipNoticeItem(
        hierarchy_id=hl.get(1) or "",
        po_number=required_text(prf, 1, findings, "purchase order number"),
        line_number=text(lin, 1) or text(sn1, 1),
        item=item_ids(lin, 2, findings),
        shipped_quantity=quantity if quantity is not None else Decimal(0),
        unit=unit,
    )


def _nearest_prf(hl: GrammarNode, parents: dict[str, GrammarNode | None]) -> GrammarNode | None:
    node: GrammarNode | None = hl
    seen: set[str] = set()
    while node is not None:
        prf = node.first("PRF")
        if prf is not None:
            return prf
        ident = node.get(1) or ""
        if ident in seen:  # a cycle cannot happen (parents precede children), but be safe
            return None
        seen.add(ident)
        node = parents.get(ident)
    return None
