"""Outbound 997: one interchange back per inbound interchange; read back with bots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from backorder.adapters.edi import SequentialControlNumbers, parse_inbound, write_997
from tests.unit.edi.conftest import bots_segments

NOW = datetime(2024, 3, 25, 9, 0)


def _segments(text: str, tag: str) -> list[dict[str, str]]:
    return [s for s in bots_segments(text) if s["BOTSID"] == tag]


def test_one_997_interchange_per_inbound_interchange(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("three_interchanges.edi"))
    written = write_997(batch.acknowledgements, SequentialControlNumbers(100, 200, 300), NOW)
    assert [w.interchange_control_number for w in written] == [
        "000000101",
        "000000102",
        "000000103",
    ]
    acme, globex, umbrella = (w.text for w in written)

    (isa,) = _segments(globex, "ISA")  # back to the sender, from the receiver
    assert (isa["ISA05"], isa["ISA06"].strip()) == ("ZZ", "BACKORDERCO")
    assert (isa["ISA07"], isa["ISA08"].strip()) == ("01", "048123456")
    (gs,) = _segments(globex, "GS")
    assert (gs["GS01"], gs["GS02"], gs["GS03"]) == ("FA", "BACKORDERCO", "048123456")

    (ak1,) = _segments(acme, "AK1")
    assert (ak1["AK101"], ak1["AK102"]) == ("PR", "4711")
    (ak9,) = _segments(acme, "AK9")
    assert (ak9["AK901"], ak9["AK902"], ak9["AK903"], ak9["AK904"]) == ("A", "1", "1", "1")

    assert [(a["AK201"], a["AK202"]) for a in _segments(umbrella, "AK2")] == [
        ("856", "0001"),
        ("856", "0002"),
    ]
    (ak3,) = _segments(umbrella, "AK3")
    assert (ak3["AK301"], ak3["AK302"], ak3["AK304"]) == ("SN1", "9", "8")
    (ak4,) = _segments(umbrella, "AK4")
    assert (ak4["AK401.01"], ak4["AK403"], ak4["AK404"]) == ("2", "6", "1O")
    assert [a["AK501"] for a in _segments(umbrella, "AK5")] == ["A", "R"]
    assert _segments(umbrella, "AK5")[1]["AK502"] == "5"
    (ak9,) = _segments(umbrella, "AK9")
    assert (ak9["AK901"], ak9["AK902"], ak9["AK903"], ak9["AK904"]) == ("P", "2", "2", "1")
    (se,) = _segments(umbrella, "SE")
    assert se["SE01"] == "10"


def test_rejected_group_997(sample: Callable[[str], str]) -> None:
    text = sample("acme_856_4010.edi").replace("GE*1*4720", "GE*3*4720")
    batch = parse_inbound(text)
    (written,) = write_997(batch.acknowledgements, SequentialControlNumbers(), NOW)
    (ak5,) = _segments(written.text, "AK5")
    assert ak5["AK501"] == "R"
    (ak9,) = _segments(written.text, "AK9")
    assert (ak9["AK901"], ak9["AK902"], ak9["AK903"], ak9["AK904"], ak9["AK905"]) == (
        "R",
        "3",
        "1",
        "0",
        "5",
    )


def test_5010_partners_get_a_5010_answer(sample: Callable[[str], str]) -> None:
    text = sample("initech_810_5010.edi").replace("CUR*SE*USD~", "CUR*SE*EURO~")
    batch = parse_inbound(text)
    (error,) = batch.errors
    assert (error.code, error.segment_id, error.element_position) == ("grammar.F05", "CUR", 2)
    (written,) = write_997(batch.acknowledgements, SequentialControlNumbers(), NOW)
    (isa,) = _segments(written.text, "ISA")
    assert isa["ISA12"] == "00501"
    (ak1,) = _segments(written.text, "AK1")
    assert ak1["AK103"] == "005010"  # the version element exists in 5010 only
    (ak4,) = _segments(written.text, "AK4")
    assert (ak4["AK401.01"], ak4["AK403"], ak4["AK404"]) == ("2", "5", "EURO")


def test_mandatory_component_missing_points_at_the_component(
    sample: Callable[[str], str],
) -> None:
    text = sample("globex_846_4010.edi").replace("QTY|17|300|EA", "QTY|17|300|:5")
    batch = parse_inbound(text)
    (error,) = batch.errors
    assert (error.segment_id, error.element_position, error.component_position) == ("QTY", 3, 1)
    (written,) = write_997(batch.acknowledgements, SequentialControlNumbers(), NOW)
    assert "AK4*3>1**1~" in written.text
    (ak4,) = _segments(written.text, "AK4")
    assert (ak4["AK401.01"], ak4["AK401.02"], ak4["AK403"]) == ("3", "1", "1")


def test_bad_values_with_our_separators_are_not_copied(sample: Callable[[str], str]) -> None:
    # Globex uses "|" as element separator, so "*" is data there but our separator here.
    text = sample("globex_846_4010.edi").replace("QTY|17|300|EA", "QTY|1*|300|EA")
    batch = parse_inbound(text)
    assert batch.errors[0].element_position == 1
    (written,) = write_997(batch.acknowledgements, SequentialControlNumbers(), NOW)
    (ak4,) = _segments(written.text, "AK4")
    assert "AK404" not in ak4
    assert ak4["AK403"] == "7"


def test_test_interchanges_are_answered_as_test(sample: Callable[[str], str]) -> None:
    batch = parse_inbound(sample("initech_856_5010.edi"))
    (written,) = write_997(batch.acknowledgements, SequentialControlNumbers(), NOW)
    (isa,) = _segments(written.text, "ISA")
    assert isa["ISA15"] == "T"
