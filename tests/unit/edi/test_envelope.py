"""Envelope scanning: separators, segment cutting, tolerance rules, nesting."""

from __future__ import annotations

import pytest

from backorder.adapters.edi.envelope import scan
from backorder.adapters.edi.errors import IssueLevel
from tests.unit.edi.conftest import sample_text

ISA = (
    "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*BACKORDERCO    "
    "*240101*1200*U*00401*000000001*0*P*>"
)


def _tiny(isa: str = ISA, end: str = "~\n") -> str:
    segments = [isa, "GS*SH*SUPPLIER*BACKORDERCO*20240101*1200*1*X*004010", "ST*856*0001"]
    segments += ["BSN*00*S1*20240101*1200", "SE*3*0001", "GE*1*1", "IEA*1*000000001"]
    return end.join(segments) + end


@pytest.mark.parametrize(
    ("name", "element", "component", "terminator"),
    [
        ("acme_855_4010.edi", "*", ">", "~"),
        ("globex_846_4010.edi", "|", ":", "~"),
        ("initech_810_5010.edi", "*", ":", "~"),
        ("initech_856_5010.edi", "*", ":", "\n"),
    ],
)
def test_separators_are_read_from_each_isa(
    name: str, element: str, component: str, terminator: str
) -> None:
    (interchange,) = scan(sample_text(name)).interchanges
    seps = interchange.separators
    assert (seps.element, seps.component, seps.segment) == (element, component, terminator)


def test_repetition_separator_only_from_version_00402_on() -> None:
    (v4010,) = scan(sample_text("acme_855_4010.edi")).interchanges
    (v5010,) = scan(sample_text("initech_810_5010.edi")).interchanges
    assert v4010.separators.repetition is None  # ISA11 is the standards id "U"
    assert v5010.separators.repetition == "^"


def test_nesting_and_positions_of_three_interchanges() -> None:
    result = scan(sample_text("three_interchanges.edi"))
    assert not result.errors
    assert [ic.control_number for ic in result.interchanges] == [
        "000004711",
        "000000077",
        "000000090",
    ]
    third = result.interchanges[2]
    assert third.separators.element == "*"
    (group,) = third.groups
    assert [s.control_number for s in group.sets] == ["0001", "0002"]
    assert all(s.complete for s in group.sets)
    # 21 segments in the first interchange, 20 in the second: the third ISA is segment 42.
    assert third.header.position == 42
    assert group.sets[1].header.position == 54
    assert group.sets[1].segments[8].tag == "SN1"
    assert group.sets[1].segments[8].position == 62


def test_line_numbers_follow_the_text() -> None:
    result = scan(sample_text("acme_856_4010.edi"))
    (interchange,) = result.interchanges
    st = interchange.groups[0].sets[0].header
    assert (st.position, st.line) == (3, 3)
    single_line = scan(sample_text("globex_846_4010.edi")).interchanges[0]
    assert single_line.groups[0].sets[0].segments[-1].line == 1


def test_indentation_crlf_trailing_spaces_and_no_final_newline() -> None:
    result = scan(sample_text("umbrella_855_sloppy.edi"))
    (interchange,) = result.interchanges
    assert interchange.trailer is not None
    segments = interchange.groups[0].sets[0].segments
    ref = next(s for s in segments if s.tag == "REF")
    assert ref.elements == ("IA", "UMB-55")
    po1 = next(s for s in segments if s.tag == "PO1")
    assert po1.element(7) == "WID-700"
    assert not result.errors


def test_isa_repadding_is_a_warning_and_values_are_fixed_width() -> None:
    result = scan(sample_text("umbrella_855_sloppy.edi"))
    header = result.interchanges[0].header
    assert header.element(6) == "UMBRELLA".ljust(15)
    assert header.element(12) == "00401"
    assert header.element(13) == "000000088"
    padded = {w.reason.split()[0] for w in result.warnings if w.code == "tolerated.isa_padding"}
    assert padded == {"ISA02", "ISA04", "ISA06", "ISA08", "ISA12", "ISA13"}


def test_lowercase_segment_ids_are_upper_cased_with_a_warning() -> None:
    result = scan(sample_text("umbrella_855_sloppy.edi"))
    tags = [s.tag for s in result.interchanges[0].groups[0].sets[0].segments]
    assert {"DTM", "ACK"} <= set(tags)
    lowered = [w for w in result.warnings if w.code == "tolerated.lowercase_segment_id"]
    assert [(w.segment_id, w.segment_position_in_file, w.line) for w in lowered] == [
        ("DTM", 5, 5),
        ("ACK", 9, 9),
    ]


def test_wrapped_lines_inside_segments_are_joined() -> None:
    text = _tiny().replace("BSN*00*S1*2024", "BSN*00*S1*20\r\n24")
    (interchange,) = scan(text).interchanges
    bsn = interchange.groups[0].sets[0].segments[1]
    assert bsn.element(3) == "20240101"


def test_missing_terminator_on_the_last_segment_is_accepted() -> None:
    text = _tiny().rstrip("~\n")
    (interchange,) = scan(text).interchanges
    assert interchange.trailer is not None
    assert interchange.trailer.elements == ("1", "000000001")


def test_byte_order_mark_ctrl_z_and_blank_segments() -> None:
    text = "\ufeff" + _tiny().replace("ST*856*0001~", "ST*856*0001~~ ~") + "\x1a"
    result = scan(text)
    assert not result.errors
    assert [s.tag for s in result.interchanges[0].groups[0].sets[0].segments] == [
        "ST",
        "BSN",
        "SE",
    ]


def test_isa_value_too_long_is_an_interchange_error() -> None:
    text = _tiny(ISA.replace("SUPPLIER       ", "SUPPLIER-WITH-A-LONG-ID"))
    result = scan(text)
    assert not result.interchanges
    (error,) = result.errors[:1]
    assert error.level is IssueLevel.INTERCHANGE
    assert error.code == "syntax.bad_isa"
    assert "ISA06" in error.reason


def test_garbage_before_an_interchange_is_skipped_with_an_error() -> None:
    result = scan("HELLO SUPPLIER~\n" + _tiny())
    assert len(result.interchanges) == 1
    (error,) = result.errors
    assert error.code == "syntax.outside_interchange"
    assert error.line == 1


def test_missing_trailers_are_recorded_as_absent() -> None:
    text = _tiny().replace("SE*3*0001~\n", "").replace("GE*1*1~\n", "")
    (interchange,) = scan(text).interchanges
    (group,) = interchange.groups
    assert group.trailer is None
    assert not group.sets[0].complete
    assert interchange.trailer is not None


def test_next_isa_closes_an_interchange_without_iea() -> None:
    first = _tiny().replace("IEA*1*000000001~\n", "")
    second = _tiny().replace("000000001", "000000002")
    result = scan(first + second)
    assert [ic.trailer is None for ic in result.interchanges] == [True, False]


def test_isa_wrapped_at_a_fixed_width_is_read() -> None:
    text = _tiny()
    wrapped = text[:80] + "\r\n" + text[80:]  # a line break inside ISA13
    (interchange,) = scan(wrapped).interchanges
    assert interchange.control_number == "000000001"
    assert interchange.separators.segment == "~"
