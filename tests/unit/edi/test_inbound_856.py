"""856 ship notices: S-O-P-I and S-O-I layouts, 4010 and 5010, hierarchy errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from backorder.adapters.edi import ShipNotice, parse_inbound
from tests.unit.edi.conftest import generated_856


def _one(text: str) -> ShipNotice:
    batch = parse_inbound(text)
    assert not batch.errors, [str(e) for e in batch.errors]
    (doc,) = batch.of_type(ShipNotice)
    return doc


def test_acme_pick_and_pack_layout(sample: Callable[[str], str]) -> None:
    doc = _one(sample("acme_856_4010.edi"))
    assert (doc.shipment_id, doc.notice_date) == ("ASN-88123", date(2024, 3, 18))
    assert doc.ship_date == date(2024, 3, 18)
    assert doc.expected_delivery_date == date(2024, 3, 21)
    assert (doc.carrier_code, doc.carrier_name) == ("UPSN", "UPS GROUND")
    assert doc.tracking_numbers == ("1Z999AA10123456784",)  # on the pack level
    assert doc.bill_of_lading == "BOL-55120"
    assert [
        (i.hierarchy_id, i.po_number, i.line_number, i.item.buyer_part_number, i.shipped_quantity)
        for i in doc.items
    ] == [
        ("4", "PO-2024-0042", "1", "WID-100", Decimal("100")),
        ("5", "PO-2024-0042", "2", "WID-200", Decimal("20")),
        ("7", "PO-2024-0038", "7", "WID-900", Decimal("12.5")),
    ]
    assert doc.items[2].unit == "LB"
    assert doc.items[0].item.vendor_part_number == "AC-100"


def test_initech_5010_with_newline_terminators(sample: Callable[[str], str]) -> None:
    doc = _one(sample("initech_856_5010.edi"))
    assert doc.envelope.group.version == "005010"
    assert doc.envelope.interchange.is_test
    assert doc.ship_date == date(2024, 3, 21)
    assert doc.expected_delivery_date == date(2024, 3, 25)  # DTM 067
    assert doc.tracking_numbers == ("PRO-7781234",)
    (item,) = doc.items
    assert item.line_number == "1"  # LIN01 empty: SN101
    assert item.item.gtin == "012345678912"
    assert item.po_number == "PO-2024-0051"


def test_item_without_purchase_order_fails(sample: Callable[[str], str]) -> None:
    text = sample("acme_856_4010.edi").replace("PRF*PO-2024-0038***20240301~\n", "")
    text = text.replace("SE*28*", "SE*27*")
    batch = parse_inbound(text)
    assert not batch.documents
    (error,) = batch.errors
    assert error.code == "content.missing_segment"
    assert error.segment_id == "PRF"
    assert error.segment_position_in_set == 23  # the item's HL (HL*7)
    (note,) = batch.acknowledgements[0].responses[0].segments
    assert (note.segment_id, note.error_code) == ("PRF", "3")


def test_item_without_sn1_and_unknown_parent(sample: Callable[[str], str]) -> None:
    text = sample("acme_856_4010.edi").replace("SN1**12.5*LB~\n", "").replace("SE*28*", "SE*27*")
    text = text.replace("HL*7*6*I", "HL*7*9*I")
    errors = parse_inbound(text).errors
    assert sorted((e.code, e.segment_id, e.element_position) for e in errors) == [
        ("content.missing_segment", "PRF", None),
        ("content.missing_segment", "SN1", None),
        ("content.unknown_parent", "HL", 2),
    ]


def test_unknown_level_code(sample: Callable[[str], str]) -> None:
    (error,) = parse_inbound(sample("acme_856_4010.edi").replace("HL*3*2*P", "HL*3*2*Q")).errors
    assert (error.segment_id, error.element_position, error.code) == (
        "HL",
        3,
        "content.unknown_qualifier",
    )


def test_non_numeric_quantity_is_a_grammar_error(sample: Callable[[str], str]) -> None:
    (error,) = parse_inbound(sample("acme_856_4010.edi").replace("SN1**20*EA", "SN1**2O*EA")).errors
    assert error.code == "grammar.F16"
    assert (error.segment_id, error.segment_position_in_set, error.element_position) == (
        "SN1",
        21,
        2,
    )
    assert "non-numerical" in error.reason


def test_nan_passes_the_grammar_but_not_us(sample: Callable[[str], str]) -> None:
    (error,) = parse_inbound(
        sample("acme_856_4010.edi").replace("SN1**20*EA", "SN1**NaN*EA")
    ).errors
    assert (error.code, error.element_position) == ("content.not_numeric", 2)


def test_negative_shipped_quantity(sample: Callable[[str], str]) -> None:
    (error,) = parse_inbound(
        sample("acme_856_4010.edi").replace("SN1**20*EA", "SN1**-20*EA")
    ).errors
    assert error.code == "content.negative_quantity"


def test_mandatory_bsn_missing(sample: Callable[[str], str]) -> None:
    text = sample("acme_856_4010.edi").replace("BSN*00*ASN-88123*20240318*1430*0001~\n", "")
    batch = parse_inbound(text.replace("SE*28*", "SE*27*"))
    assert not batch.documents
    assert [(e.code, e.segment_id, e.segment_position_in_set) for e in batch.errors] == [
        ("grammar.S50", "HL", 2),  # HL is not allowed before the mandatory BSN ...
        ("grammar.S03", "BSN", 1),  # ... which the set (ST at position 1) lacks
    ]
    assert "BSN" in batch.errors[0].reason
    notes = batch.acknowledgements[0].responses[0].segments
    assert [(n.segment_id, n.position, n.error_code) for n in notes] == [
        ("HL", 2, "2"),
        ("BSN", 1, "3"),
    ]


def test_dtm_before_the_beginning_segment_is_refused(sample: Callable[[str], str]) -> None:
    text = sample("initech_856_5010.edi").replace(
        "BSN*00*INI-SHP-501*20240321*0800\nDTM*011*20240321",
        "DTM*011*20240321\nBSN*00*INI-SHP-501*20240321*0800",
    )
    batch = parse_inbound(text)
    (error,) = batch.errors
    assert (error.code, error.segment_id, error.segment_position_in_set) == (
        "grammar.S50",
        "BSN",
        3,
    )


def test_optional_segments_in_any_order_within_the_shipment_level(
    sample: Callable[[str], str],
) -> None:
    text = sample("acme_856_4010.edi").replace(
        "TD5*B*2*UPSN*M*UPS GROUND~\nREF*BM*BOL-55120~\nDTM*011*20240318~",
        "DTM*011*20240318~\nREF*BM*BOL-55120~\nTD5*B*2*UPSN*M*UPS GROUND~",
    )
    doc = _one(text)
    assert (doc.carrier_code, doc.bill_of_lading, doc.ship_date) == (
        "UPSN",
        "BOL-55120",
        date(2024, 3, 18),
    )


def test_thousand_items() -> None:
    doc = _one(generated_856(1000))
    assert len(doc.items) == 1000
    assert doc.items[-1].item.buyer_part_number == "ITEM-01000"
    assert doc.items[-1].shipped_quantity == Decimal(1000 % 40 + 1)
