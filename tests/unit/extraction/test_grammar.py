"""The vocabulary: PO numbers, lines, SKUs, quantities and kinds."""

from __future__ import annotations

from backorder.risk.extraction.grammar import (
    find_kinds,
    find_lines,
    find_pos,
    find_quantities,
    find_skus,
    normalise_po,
)
from backorder.risk.extraction.model import CommitmentKind


def test_po_numbers_are_normalised() -> None:
    assert normalise_po("po-4500 0123 45") == "4500012345"
    assert normalise_po("PO-2024-0815") == "20240815"
    assert normalise_po("ab-77x12") == "AB-77X12"


def test_labelled_pos_lists_and_glued_lines() -> None:
    found = find_pos("POs 4500000001, 4500000002 and 4500000003; P.O. #4500000004/20; PO4500000005")
    assert [p.po for p in found] == [f"450000000{i}" for i in range(1, 6)]
    assert found[3].line == 20


def test_supplier_order_numbers_are_not_pos() -> None:
    assert find_pos("our order 998877 and sales order 123456, P.O. Box 1234") == []
    weak = find_pos("your order 4500000009")
    assert weak[0].weak_label


def test_bare_numbers_count_when_known_or_shaped_like_a_known_po() -> None:
    known = frozenset({"4500000001"})
    found = find_pos("4500000001 ships Monday, 4500000777 on Friday, ref 12345678", known)
    assert [p.po for p in found] == ["4500000001", "4500000777"]


def test_lines_and_skus() -> None:
    lines = find_lines("lines 10 and 20, pos. 30, item 40", [])
    assert [x.line for x in lines] == [10, 20, 30, 40]
    skus = find_skus("item AB-1234, part no. 778-22, item 10", [])
    assert [s.sku for s in skus] == ["AB-1234", "778-22"]


def test_quantities_with_separators_units_and_markers() -> None:
    text = "1,200 pcs, 1.500 pcs, 12 cases, 40 ea, two pallets, the balance of 200, qty: 75"
    quantities, _ = find_quantities(text, [])
    assert [(q.quantity, q.unit) for q in quantities] == [
        (1200, "pcs"),
        (1500, "pcs"),
        (12, "cases"),
        (40, "ea"),
        (2, "pallets"),
        (200, None),
        (75, None),
    ]


def test_percentages_and_partial_of_totals() -> None:
    quantities, _ = find_quantities("we deliver 60% now; 300 of 500 pcs ship Friday", [])
    assert [(q.quantity, q.partial_of) for q in quantities] == [(300, 500)]


def test_codes_after_a_quantity_are_skus() -> None:
    _, codes = find_quantities("120 cases of AB-2291 and 40 pcs KW48", [])
    assert [c.sku for c in codes] == ["AB-2291"]


def test_kinds_and_tense() -> None:
    kinds = find_kinds(
        "ready for shipment Friday, will be shipped Monday, was shipped today, ETA Dec 5"
    )
    assert [(k.kind, k.past) for k in kinds] == [
        (CommitmentKind.READY, False),
        (CommitmentKind.SHIP, False),
        (CommitmentKind.SHIPPED, True),
        (CommitmentKind.DELIVER, False),
    ]
