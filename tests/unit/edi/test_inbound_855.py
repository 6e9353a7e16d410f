"""855 purchase order acknowledgements from two suppliers' styles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from backorder.adapters.edi import (
    AckCode,
    AcknowledgementType,
    LineStatus,
    PurchaseOrderAcknowledgement,
    parse_inbound,
)


def _one(text: str) -> PurchaseOrderAcknowledgement:
    batch = parse_inbound(text)
    assert not batch.errors, [str(e) for e in batch.errors]
    (doc,) = batch.of_type(PurchaseOrderAcknowledgement)
    return doc


def test_acme_header_and_envelope(sample: Callable[[str], str]) -> None:
    doc = _one(sample("acme_855_4010.edi"))
    assert doc.po_number == "PO-2024-0042"
    assert doc.po_date == date(2024, 3, 10)
    assert doc.acknowledgement_type is AcknowledgementType.ACCEPTED_WITH_CHANGES
    assert doc.type_code == "AC"
    assert doc.acknowledgement_date == date(2024, 3, 12)
    assert doc.seller_order_number == "SO-99812"
    env = doc.envelope
    assert env.interchange.control_number == "000004711"
    assert (env.interchange.sender_qualifier, env.interchange.sender_id) == ("ZZ", "ACMESUPPLY")
    assert env.interchange.receiver_id == "BACKORDERCO"
    assert env.interchange.prepared_at == datetime(2024, 3, 12, 9, 15)
    assert not env.interchange.is_test
    assert (env.group.functional_id, env.group.control_number) == ("PR", "4711")
    assert (env.transaction_set_id, env.control_number, env.segment_position) == ("855", "0001", 3)


def test_acme_lines_accepted_split_rejected_changed(sample: Callable[[str], str]) -> None:
    lines = _one(sample("acme_855_4010.edi")).lines
    assert [line.line_number for line in lines] == ["1", "2", "3", "4"]

    accepted = lines[0]
    assert accepted.item.buyer_part_number == "WID-100"
    assert accepted.item.vendor_part_number == "AC-100"
    assert (accepted.ordered_quantity, accepted.unit_price) == (Decimal("100"), Decimal("12.50"))
    assert accepted.status is LineStatus.ACCEPTED
    assert accepted.status_code == "IA"
    assert accepted.acknowledged_quantity == Decimal("100")
    assert accepted.scheduled_date == date(2024, 3, 18)

    split = lines[1]  # 20 now, 30 backordered to mid-April
    assert split.status is LineStatus.BACKORDERED
    assert [(d.status_code, d.quantity, d.scheduled_date) for d in split.details] == [
        ("IA", Decimal("20"), date(2024, 3, 18)),
        ("IB", Decimal("30"), date(2024, 4, 15)),
    ]
    assert split.acknowledged_quantity == Decimal("50")
    assert split.scheduled_date == date(2024, 4, 15)
    assert split.details[1].date_qualifier == "068"

    rejected = lines[2]
    assert rejected.status is LineStatus.REJECTED
    assert rejected.acknowledged_quantity == Decimal("0")
    assert rejected.scheduled_date is None
    assert rejected.unit == "CA"

    changed = lines[3]
    assert changed.status is LineStatus.CHANGED
    assert changed.status_code == "IQ"
    assert (changed.ordered_quantity, changed.acknowledged_quantity) == (Decimal(24), Decimal(20))
    assert changed.item.gtin == "012345678905"
    assert changed.scheduled_date == date(2024, 3, 22)


def test_sloppy_supplier_is_read_like_a_clean_one(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("umbrella_855_sloppy.edi").encode())
    assert not batch.errors
    assert {w.code for w in batch.warnings} == {
        "tolerated.isa_padding",
        "tolerated.lowercase_segment_id",
    }
    (doc,) = batch.of_type(PurchaseOrderAcknowledgement)
    assert doc.envelope.interchange.control_number == "000000088"
    assert doc.envelope.interchange.sender_id == "UMBRELLA"
    assert doc.envelope.group.version == "004010VICS"
    assert doc.acknowledgement_type is AcknowledgementType.ACCEPTED
    no_ack, with_ack = doc.lines
    # No ACK on an accepted order: the line is accepted as ordered, on the header's date (002).
    assert (no_ack.status, no_ack.status_code) == (LineStatus.ACCEPTED, None)
    assert no_ack.acknowledged_quantity == Decimal("12")
    assert no_ack.scheduled_date == date(2024, 4, 5)
    assert no_ack.item.buyer_part_number == "WID-700"  # trailing padding removed
    assert with_ack.scheduled_date == date(2024, 4, 2)
    (ack,) = batch.acknowledgements
    assert ack.status is AckCode.ACCEPTED


def test_rejected_order_without_line_detail(sample: Callable[[str], str]) -> None:
    text = sample("umbrella_855_sloppy.edi").replace("BAK*00*AD*", "BAK*00*RJ*")
    doc = _one(text)
    assert doc.acknowledgement_type is AcknowledgementType.REJECTED
    assert doc.lines[0].status is LineStatus.REJECTED
    assert doc.lines[0].acknowledged_quantity == Decimal("0")
    assert doc.lines[0].scheduled_date is None


def test_unknown_line_status_fails_the_set_at_its_element(sample: Callable[[str], str]) -> None:
    text = sample("acme_855_4010.edi").replace("ACK*IB*30", "ACK*XX*30")
    batch = parse_inbound(text)
    assert not batch.documents
    (error,) = batch.errors
    assert error.code == "content.unknown_qualifier"
    assert (error.segment_id, error.segment_position_in_set, error.element_position) == (
        "ACK",
        11,
        1,
    )
    assert error.segment_position_in_file == 13
    assert "'XX'" in error.reason
    (response,) = batch.acknowledgements[0].responses
    assert response.status is AckCode.REJECTED
    (note,) = response.segments
    assert (note.segment_id, note.position, note.error_code) == ("ACK", 11, "8")
    assert [(e.position, e.error_code, e.bad_value) for e in note.elements] == [(1, "7", "XX")]


def test_unknown_acknowledgement_type(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("acme_855_4010.edi").replace("BAK*00*AC*", "BAK*00*AH*"))
    (error,) = batch.errors
    assert (error.segment_id, error.element_position) == ("BAK", 2)


def test_schedule_date_without_qualifier_is_refused(sample: Callable[[str], str]) -> None:
    text = sample("acme_855_4010.edi").replace("ACK*IA*100*EA*068*", "ACK*IA*100*EA**")
    (error,) = parse_inbound(text).errors
    assert error.code == "content.missing_element"
    assert (error.segment_id, error.element_position) == ("ACK", 4)


def test_split_line_needs_quantities(sample: Callable[[str], str]) -> None:
    text = sample("acme_855_4010.edi").replace("ACK*IB*30*EA", "ACK*IB**EA")
    (error,) = parse_inbound(text).errors
    assert (error.segment_id, error.segment_position_in_set, error.element_position) == (
        "ACK",
        11,
        2,
    )


def test_line_count_in_ctt_must_match(sample: Callable[[str], str]) -> None:
    (error,) = parse_inbound(sample("acme_855_4010.edi").replace("CTT*4*", "CTT*5*")).errors
    assert error.code == "content.line_count_mismatch"
    assert (error.segment_id, error.element_position) == ("CTT", 1)


def test_dtm_before_ref_in_the_header_is_accepted(sample: Callable[[str], str]) -> None:
    text = sample("acme_855_4010.edi").replace(
        "REF*VR*ACME-VENDOR-17~\nDTM*067*20240320~", "DTM*067*20240320~\nREF*VR*ACME-VENDOR-17~"
    )
    assert _one(text).po_number == "PO-2024-0042"
