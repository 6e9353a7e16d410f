"""Notices rendered from their templates: subject, plain text and HTML."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from backorder.domain.notifications import NoticeContent, NoticeKind
from backorder.notifications.render import format_day, format_units, render

NOTICE = NoticeContent(
    kind=NoticeKind.BACKORDERED,
    customer="C-1",
    customer_name="Bolt & <Nut> Ltd",
    order_id="SO-4711",
    line_id=17,
    line_number=2,
    sku="HF-100",
    description="hydraulic fitting",
    ordered_quantity=10,
    shipped_quantity=0,
    open_quantity=10,
    backordered_quantity=4,
    requested_date=date(2026, 11, 30),
    old_promise=date(2026, 11, 30),
    new_promise=date(2026, 12, 10),
    reason="our supplier confirmed its delivery date",
)


def notice(**changes: object) -> NoticeContent:
    return dataclasses.replace(NOTICE, **changes)  # type: ignore[arg-type]


def test_a_backorder_notice_names_order_line_item_quantities_dates_and_why() -> None:
    rendered = render(NOTICE)
    assert rendered.subject == "Order SO-4711: HF-100 is on backorder"
    text = rendered.text
    assert text.startswith("Dear Bolt & <Nut> Ltd,\n")
    assert "4 of the 10 units still to come are on backorder" in text
    assert "We expect to ship them by Thursday 10 December 2026." in text
    assert "Order SO-4711, line 2: HF-100 (hydraulic fitting)" in text
    assert "Requested for:  Monday 30 November 2026" in text
    assert "Why: Our supplier confirmed its delivery date." in text
    assert "\n\n\n" not in text
    html = rendered.html
    assert "Dear Bolt &amp; &lt;Nut&gt; Ltd," in html  # data is escaped in HTML
    assert "<strong>Thursday 10 December 2026</strong>" in html
    assert html.lstrip().startswith("<!DOCTYPE html>")


def test_a_backorder_without_a_date_says_so() -> None:
    rendered = render(notice(new_promise=None, backordered_quantity=10))
    assert "all 10 units are on backorder" in rendered.text
    assert "We do not have a delivery date for them yet" in rendered.text
    assert "Expected by:    not known yet" in rendered.text


def test_a_promise_change_says_from_what_to_what_and_which_way() -> None:
    later = render(notice(kind=NoticeKind.PROMISE_CHANGED))
    assert later.subject == "Order SO-4711: later delivery date for HF-100"
    assert "has moved later: from Monday 30 November 2026 to Thursday 10 December 2026" in (
        later.text
    )
    same = render(notice(kind=NoticeKind.PROMISE_CHANGED, old_promise=date(2026, 12, 10)))
    assert same.subject == "Order SO-4711: new delivery date for HF-100"
    moved = render(
        notice(
            kind=NoticeKind.PROMISE_CHANGED,
            old_promise=date(2026, 12, 10),
            new_promise=date(2026, 12, 3),
        )
    )
    assert moved.subject == "Order SO-4711: earlier delivery date for HF-100"
    assert "has moved earlier: from Thursday 10 December 2026 to Thursday 3 December 2026" in (
        moved.text
    )
    assert "(before: Thursday 10 December 2026)" in moved.text
    assert "<s>Thursday 10 December 2026</s>" in moved.html
    lost = render(notice(kind=NoticeKind.PROMISE_CHANGED, new_promise=None))
    assert "We can no longer confirm the date" in lost.text


def test_a_partial_shipment_and_a_substitution_offer() -> None:
    shipped = render(
        notice(
            kind=NoticeKind.PARTIAL_SHIPMENT,
            shipped_now=6,
            shipped_quantity=6,
            open_quantity=4,
            reason="we ship what is in stock now rather than hold it back",
        )
    )
    assert shipped.subject == "Order SO-4711: part of HF-100 has shipped"
    assert "We have shipped 6 units of HF-100 on your order SO-4711." in shipped.text
    assert "The remaining 4 units follow" in shipped.text
    offer = render(
        notice(
            kind=NoticeKind.SUBSTITUTION_OFFER,
            substitute_sku="HF-100B",
            substitute_description="fitting, brass",
        )
    )
    assert offer.subject == "Order SO-4711: we can offer HF-100B instead of HF-100"
    assert "we can ship HF-100B (fitting, brass) instead" in offer.text
    assert "accept or decline the substitute" in offer.text
    assert "Substitute:     HF-100B (fitting, brass)" in offer.text
    assert "<strong>HF-100B</strong>" in offer.html


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_has_a_one_line_subject_even_with_odd_data(kind: NoticeKind) -> None:
    rendered = render(notice(kind=kind, order_id="SO\n1", substitute_sku="X"))
    assert "\n" not in rendered.subject
    assert rendered.text.endswith("\n")


def test_filters() -> None:
    assert format_day(date(2027, 1, 4)) == "Monday 4 January 2027"
    assert format_day(None) == "not known yet"
    assert (format_units(1), format_units(1200)) == ("1 unit", "1,200 units")
