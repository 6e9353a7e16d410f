"""Subjects, retry delays, dead letters; matching EDI lines to PO lines."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from backorder.adapters.edi.envelope import Segment
from backorder.adapters.inbound.stream import InboundStreamConfig, dead_letter_body
from backorder.adapters.repositories.supply import PurchaseOrderLine
from backorder.domain.model import ConfirmationState
from backorder.service_layer.handlers.edi_common import Locator, match_line, whole


def test_subjects_and_retry_delays() -> None:
    config = InboundStreamConfig(prefix="erp", retry_delay_seconds=1.0)
    assert config.subjects == "erp.>"
    assert config.inbound_subjects == "erp.inbound.>"
    assert config.subject_for("order.created.v1") == "erp.inbound.order.created.v1"
    assert config.dead_letter_subject(None) == "erp.dead.unknown"
    assert [config.redelivery_delay(n) for n in (1, 2, 3, 10)] == [1.0, 2.0, 4.0, 30.0]


def test_a_dead_letter_keeps_the_original() -> None:
    body = json.loads(dead_letter_body(b'{"a": 1}', "erp.inbound.x", "bad", 3))
    assert (body["message"], body["subject"], body["error"], body["deliveries"]) == (
        {"a": 1},
        "erp.inbound.x",
        "bad",
        3,
    )
    assert (
        json.loads(dead_letter_body(b"\xff not json", "s", "e", 1))["message"] == "\ufffd not json"
    )


def _line(number: int, sku: str) -> PurchaseOrderLine:
    return PurchaseOrderLine(
        f"PO/{number}", "PO", number, "S", sku, "DC", 10, 0, date(2026, 1, 1), None,
        ConfirmationState.UNCONFIRMED, 0.0,
    )  # fmt: skip


def test_lines_match_by_number_else_by_item() -> None:
    lines = {1: _line(1, "A"), 2: _line(2, "B"), 3: _line(3, "B")}
    assert match_line(lines, "1", "A")[0] == lines[1]
    assert match_line(lines, "9", "A")[0] == lines[1]
    assert match_line(lines, "1", "B")[1] == "line 1 is A, the document says B"
    assert match_line(lines, None, "B")[1].startswith("B is on several lines")
    assert match_line(lines, "7", None)[1:] == ("the purchase order has no line 7", 1)
    assert whole(Decimal("12")) == 12
    assert whole(Decimal("12.5")) is None


def test_the_locator_finds_segments_by_order_and_hl_id() -> None:
    segments = [
        Segment("ST", ("856", "1"), 3, 3),
        Segment("HL", ("1", "", "S"), 4, 4),
        Segment("HL", ("2", "1", "I"), 5, 5),
        Segment("LIN", ("1", "BP", "A"), 6, 6),
        Segment("SN1", ("", "5", "EA"), 7, 7),
    ]
    where = Locator(segments)
    item = where.hl("2")
    assert item is not None
    assert where.after(item, "SN1") == segments[4]
    assert where.after(where.hl("1"), "LIN") is None  # stops at the next HL
    problem = where.problem(where.nth("LIN", 0), "why", "code", element=3)
    assert (problem.segment_position_in_set, problem.segment_position_in_file) == (4, 6)
    assert problem.element_position == 3
