"""846 inventory advice and 810 invoice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from backorder.adapters.edi import (
    QUANTITY_KINDS,
    InventoryAdvice,
    Invoice,
    QualifiedDate,
    parse_inbound,
)


def test_globex_inventory_quantities_by_kind(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("globex_846_4010.edi"))
    assert not batch.errors
    (doc,) = batch.of_type(InventoryAdvice)
    assert (doc.reference, doc.report_date, doc.report_type_code) == (
        "INV-20240315",
        date(2024, 3, 15),
        "SI",
    )
    assert doc.envelope.interchange.sender_qualifier == "01"  # DUNS
    first, second = doc.items
    assert first.item.vendor_part_number == "GX-5000"
    assert first.item.buyer_part_number == "WID-100"
    assert first.description == "Widget 100 mm"
    assert [(q.qualifier, q.kind, q.quantity, q.unit) for q in first.quantities] == [
        ("33", "available", Decimal(250), "EA"),
        ("17", "on_hand", Decimal(300), "EA"),
        ("63", "on_order", Decimal(500), "EA"),
    ]
    # The DTM after the on-order QTY belongs to it: when that stock is expected.
    assert first.quantities[2].dates == (QualifiedDate("018", date(2024, 4, 1)),)
    assert second.quantity("available") == Decimal(0)
    assert second.quantity("on_hand") is None


def test_unknown_quantity_qualifier_fails_with_position(sample: Callable[[str], str]) -> None:
    text = sample("globex_846_4010.edi").replace("QTY|17|300|EA", "QTY|QH|300|EA")
    batch = parse_inbound(text)
    assert not batch.documents
    (error,) = batch.errors
    assert error.code == "content.unknown_qualifier"
    assert (error.segment_id, error.segment_position_in_set, error.element_position) == (
        "QTY",
        8,
        1,
    )
    assert error.segment_position_in_file == 10
    assert error.transaction_set_control_number == "7701"
    assert "QH" in error.reason
    (response,) = batch.acknowledgements[0].responses
    assert response.error_codes == ("5",)
    assert response.segments[0].elements[0].error_code == "7"


def test_partner_specific_qualifiers_can_be_added(sample: Callable[[str], str]) -> None:
    text = sample("globex_846_4010.edi").replace("QTY|17|300|EA", "QTY|QH|300|EA")
    batch = parse_inbound(text, quantity_kinds={**QUANTITY_KINDS, "QH": "on_hold"})
    (doc,) = batch.of_type(InventoryAdvice)
    assert doc.items[0].quantity("on_hold") == Decimal(300)


def test_lin_without_qty_fails(sample: Callable[[str], str]) -> None:
    text = sample("globex_846_4010.edi").replace("QTY|33|0|EA~QTY|63|120|EA~DTM|018|20240420~", "")
    text = text.replace("SE|16|", "SE|13|")
    (error,) = parse_inbound(text).errors
    assert (error.code, error.segment_id, error.segment_position_in_set) == (
        "content.missing_segment",
        "QTY",
        11,
    )


def test_initech_invoice_5010(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("initech_810_5010.edi"))
    assert not batch.errors
    (doc,) = batch.of_type(Invoice)
    assert (doc.invoice_number, doc.invoice_date) == ("INV-7781", date(2024, 3, 20))
    assert (doc.po_number, doc.po_date, doc.currency) == ("PO-2024-0042", date(2024, 3, 10), "USD")
    assert doc.total_amount == Decimal("1395.00")  # TDS*139500: two implied decimals
    assert [(li.line_number, li.quantity, li.unit_price) for li in doc.lines] == [
        ("1", Decimal(100), Decimal("12.5")),
        ("2", Decimal(20), Decimal("7.25")),
    ]
    assert sum(li.quantity * li.unit_price for li in doc.lines) == doc.total_amount
    assert doc.envelope.group.version == "005010"


def test_invoice_line_needs_a_price(sample: Callable[[str], str]) -> None:
    text = sample("initech_810_5010.edi").replace("IT1*2*20*EA*7.25**", "IT1*2*20*EA***")
    (error,) = parse_inbound(text).errors
    assert (error.segment_id, error.segment_position_in_set, error.element_position) == (
        "IT1",
        8,
        4,
    )


def test_unpaired_product_id(sample: Callable[[str], str]) -> None:
    text = sample("initech_810_5010.edi").replace("*BP*WID-200~", "*BP~")
    (error,) = parse_inbound(text).errors
    assert (error.code, error.element_position) == ("content.unpaired_product_id", 7)


def test_file_wrapped_at_80_columns_reads_the_same(sample: Callable[[str], str]) -> None:
    text = sample("globex_846_4010.edi")
    wrapped = "\r\n".join(text[i : i + 80] for i in range(0, len(text), 80))
    batch = parse_inbound(wrapped)
    assert not batch.errors
    assert batch.documents == parse_inbound(text).documents
