"""Files with several interchanges: bad parts are reported, good parts are kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from backorder.adapters.edi import (
    AckCode,
    InventoryAdvice,
    IssueLevel,
    PurchaseOrderAcknowledgement,
    ShipNotice,
    parse_inbound,
)


def test_three_interchanges_one_broken_set(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("three_interchanges.edi"))
    assert [type(d) for d in batch.documents] == [
        PurchaseOrderAcknowledgement,
        InventoryAdvice,
        ShipNotice,
    ]
    (good_asn,) = batch.of_type(ShipNotice)
    assert good_asn.shipment_id == "UMB-ASN-1"
    assert good_asn.envelope.control_number == "0001"

    (error,) = batch.errors
    assert error.level is IssueLevel.ELEMENT
    assert error.interchange_control_number == "000000090"
    assert error.group_control_number == "90"
    assert (error.transaction_set_id, error.transaction_set_control_number) == ("856", "0002")
    assert (error.segment_id, error.segment_position_in_set) == ("SN1", 9)
    assert (error.segment_position_in_file, error.line) == (62, 43)
    assert error.element_position == 2
    assert error.code == "grammar.F16"
    assert '"1O"' in error.reason
    assert "set 856 #0002" in str(error)

    acme, globex, umbrella = batch.acknowledgements
    assert (acme.status, globex.status) == (AckCode.ACCEPTED, AckCode.ACCEPTED)
    assert umbrella.status is AckCode.PARTIALLY_ACCEPTED
    assert (umbrella.included, umbrella.received, umbrella.accepted) == (2, 2, 1)
    ok, bad = umbrella.responses
    assert ok.status is AckCode.ACCEPTED
    assert (bad.status, bad.error_codes) == (AckCode.REJECTED, ("5",))
    (note,) = bad.segments
    assert (note.segment_id, note.position, note.error_code) == ("SN1", 9, "8")
    assert [(e.position, e.error_code, e.bad_value) for e in note.elements] == [(2, "6", "1O")]


def _envelope_case(sample: Callable[[str], str], old: str, new: str) -> str:
    text = sample("acme_856_4010.edi")
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "code", "segment", "element", "ak5"),
    [
        ("SE*28*0001", "SE*27*0001", "envelope.se_count", "SE", 1, "4"),
        ("SE*28*0001", "SE*28*0002", "envelope.set_control_mismatch", "SE", 2, "3"),
        ("SE*28*0001~\n", "", "envelope.se_missing", "ST", None, "2"),
        ("ST*856*0001", "ST*850*0001", "envelope.set_not_supported", "ST", 1, "1"),
    ],
)
def test_transaction_set_envelope_errors(
    sample: Callable[[str], str],
    old: str,
    new: str,
    code: str,
    segment: str,
    element: int | None,
    ak5: str,
) -> None:
    batch = parse_inbound(_envelope_case(sample, old, new))
    assert not batch.documents
    (error,) = batch.errors
    assert (error.code, error.segment_id, error.element_position) == (code, segment, element)
    assert error.level is IssueLevel.TRANSACTION_SET
    (ack,) = batch.acknowledgements
    (response,) = ack.responses
    assert (response.status, response.error_codes) == (AckCode.REJECTED, (ak5,))
    assert ack.status is AckCode.REJECTED


@pytest.mark.parametrize(
    ("old", "new", "code", "ak9"),
    [
        ("GE*1*4720", "GE*2*4720", "envelope.ge_count", "5"),
        ("GE*1*4720", "GE*1*4721", "envelope.group_control_mismatch", "4"),
        ("GE*1*4720~\n", "", "envelope.ge_missing", "3"),
        ("*X*004010~", "*X*003040~", "envelope.version_not_supported", "2"),
    ],
)
def test_group_errors_reject_every_set_of_the_group(
    sample: Callable[[str], str], old: str, new: str, code: str, ak9: str
) -> None:
    batch = parse_inbound(_envelope_case(sample, old, new))
    assert not batch.documents
    group_error, set_error = batch.errors
    assert (group_error.code, group_error.level) == (code, IssueLevel.GROUP)
    assert group_error.group_control_number == "4720"
    assert (set_error.code, set_error.transaction_set_control_number) == (
        "envelope.group_rejected",
        "0001",
    )
    (ack,) = batch.acknowledgements
    assert (ack.status, ack.error_codes, ack.accepted) == (AckCode.REJECTED, (ak9,), 0)
    assert ack.responses[0].status is AckCode.REJECTED


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("IEA*1*000004720", "IEA*2*000004720", "envelope.iea_count"),
        ("IEA*1*000004720", "IEA*1*000004721", "envelope.interchange_control_mismatch"),
        ("IEA*1*000004720~\n", "", "envelope.iea_missing"),
        ("*240318*1430*U*", "*241318*1430*U*", "grammar.F07"),
    ],
)
def test_interchange_errors_reject_everything_inside_without_997(
    sample: Callable[[str], str], old: str, new: str, code: str
) -> None:
    batch = parse_inbound(_envelope_case(sample, old, new))
    assert not batch.documents
    assert not batch.acknowledgements
    interchange_error, set_error = batch.errors
    assert (interchange_error.code, interchange_error.level) == (code, IssueLevel.INTERCHANGE)
    assert interchange_error.interchange_control_number == "000004720"
    assert set_error.code == "envelope.interchange_rejected"
    assert set_error.transaction_set_id == "856"


def test_bad_group_header_element_rejects_the_group(sample: Callable[[str], str]) -> None:
    text = _envelope_case(sample, "*20240318*1430*4720*X*", "*20241318*1430*4720*X*")
    batch = parse_inbound(text)
    group_error, _ = batch.errors
    assert (group_error.code, group_error.segment_id, group_error.element_position) == (
        "grammar.F07",
        "GS",
        4,
    )
    assert batch.acknowledgements[0].status is AckCode.REJECTED


def test_a_broken_interchange_does_not_hide_the_next(sample: Callable[[str], str]) -> None:
    broken = sample("acme_855_4010.edi").replace("IEA*1*000004711", "IEA*1*000004799")
    batch = parse_inbound(broken + sample("initech_856_5010.edi"))
    (doc,) = batch.documents
    assert isinstance(doc, ShipNotice)
    assert [e.code for e in batch.errors] == [
        "envelope.interchange_control_mismatch",
        "envelope.interchange_rejected",
    ]


def test_unreadable_isa_is_skipped_up_to_the_next_interchange(
    sample: Callable[[str], str],
) -> None:
    broken = sample("acme_855_4010.edi").replace("*U*00401*000004711*0*P*>~", "*U*00401~")
    batch = parse_inbound(broken + sample("globex_846_4010.edi"))
    (doc,) = batch.documents
    assert isinstance(doc, InventoryAdvice)
    assert batch.errors[0].code == "syntax.bad_isa"
    assert batch.errors[0].line == 1


def test_segments_between_sets_are_reported(sample: Callable[[str], str]) -> None:
    text = sample("three_interchanges.edi").replace("SE*10*0001~\n", "SE*10*0001~\nN1*ST*X~\n")
    batch = parse_inbound(text)
    assert "envelope.outside_set" in [e.code for e in batch.errors]
    assert len(batch.of_type(ShipNotice)) == 1


def test_functional_id_mismatch_is_tolerated(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(_envelope_case(sample, "GS*SH*", "GS*PR*"))
    assert len(batch.documents) == 1
    (warning,) = batch.warnings
    assert (warning.code, warning.segment_id, warning.element_position) == (
        "tolerated.functional_id",
        "GS",
        1,
    )


def test_undecodable_bytes_and_empty_files() -> None:
    (error,) = parse_inbound(b"ISA*\xff\xfe", encoding="utf-8").errors
    assert error.code == "syntax.encoding"
    (empty,) = parse_inbound("  \n").errors
    assert empty.code == "syntax.empty"


@pytest.mark.parametrize("name", ["acme_855_4010.edi", "acme_856_4010.edi", "globex_846_4010.edi"])
def test_4010_samples_read_the_same_as_005010(sample: Callable[[str], str], name: str) -> None:
    text = sample(name)
    as_5010 = (
        text.replace("*U*00401*", "*^*00501*")
        .replace("|U|00401|", "|^|00501|")
        .replace("*004010~", "*005010~")
        .replace("|004010~", "|005010~")
    )
    (old,) = parse_inbound(text).documents
    batch = parse_inbound(as_5010)
    assert not batch.errors
    (new,) = batch.documents
    assert new.envelope.group.version == "005010"
    assert replace(new, envelope=old.envelope) == old


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\n\n"])
def test_line_endings_after_terminators_do_not_matter(
    sample: Callable[[str], str], ending: str
) -> None:
    # Built here as well as stored in CRLF samples, in case git normalises line endings.
    text = sample("acme_856_4010.edi")
    batch = parse_inbound(text.replace("~\n", "~" + ending))
    assert not batch.errors
    assert batch.documents == parse_inbound(text).documents
