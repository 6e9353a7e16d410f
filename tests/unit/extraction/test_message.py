"""RFC 822 parsing: dates, bodies, quotes, signatures, forwards and auto-replies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backorder.risk.extraction import load_message, message_from_text, parse_eml
from backorder.risk.extraction.html_text import html_to_text
from backorder.risk.extraction.message import clean_subject

EML = b"""Message-ID: <a@b>
Date: Wed, 20 Nov 2024 23:30:00 -0800
From: Supplier <s@example.com>
Subject: RE: AW: PO 4500000001
Content-Type: text/plain; charset="utf-8"

We ship on Friday.

Best regards
Sam
Phone 555 0100

On Tue, Nov 19, 2024 at 4:02 PM Buyer <b@example.com> wrote:
> Please ship PO 4500000001 on Monday.
"""


def test_the_date_header_is_kept_as_the_senders_wall_clock_time() -> None:
    message = parse_eml(EML)
    assert message.sent_at == dt.datetime(2024, 11, 20, 23, 30)  # not converted to UTC
    assert message.subject == "PO 4500000001"
    assert message.message_id == "<a@b>"


def test_quoted_replies_and_signatures_are_dropped() -> None:
    body = [b for b in parse_eml(EML).blocks if b.origin == "body"]
    assert [b.text for b in body] == ["We ship on Friday."]


def test_message_date_overrides_and_replaces_a_missing_header() -> None:
    no_date = EML.replace(b"Date: Wed, 20 Nov 2024 23:30:00 -0800\n", b"")
    with pytest.raises(ValueError, match="Date"):
        parse_eml(no_date)
    when = dt.datetime(2024, 12, 1, 8, 0)
    assert parse_eml(no_date, when).sent_at == when


def test_html_bodies_keep_rows_and_drop_quotes() -> None:
    text = html_to_text(
        "<p>Hi</p><table><tr><th>PO</th><th>ETA</th></tr>\n<tr><td>4500000002</td>"
        "<td>Dec 5</td></tr></table><blockquote>old mail</blockquote><br>Bye"
    )
    assert text.splitlines() == ["Hi", "", "PO | ETA", "4500000002 | Dec 5", "", "Bye"]


def test_forwarded_messages_carry_their_own_date(corpus_dir: Path) -> None:
    message = load_message(corpus_dir / "13_forwarded_chain.eml")
    forwarded = [b for b in message.blocks if b.origin == "forwarded"]
    assert forwarded
    assert forwarded[0].base == dt.datetime(2024, 11, 29, 17, 45)
    assert all("Hi Wei" not in b.text for b in message.blocks)


def test_forwards_as_attachment_are_read(corpus_dir: Path) -> None:
    message = load_message(corpus_dir / "30_forward_as_attachment.eml")
    assert any("dispatched on Thursday" in b.text for b in message.blocks)
    inner = [b for b in message.blocks if b.origin == "forwarded"]
    assert inner[0].base == dt.datetime(2024, 12, 3, 15, 30)


def test_auto_replies_are_recognised(corpus_dir: Path) -> None:
    assert load_message(corpus_dir / "07_out_of_office.eml").auto_reply


def test_plain_text_needs_a_date(corpus_dir: Path) -> None:
    with pytest.raises(ValueError, match="message date"):
        load_message(corpus_dir / "02_terse_portal.txt")
    message = load_message(corpus_dir / "02_terse_portal.txt", dt.date(2024, 11, 21))
    assert message.sent_at == dt.datetime(2024, 11, 21, 9, 0)


def test_inline_quotes_are_kept_as_context_not_text() -> None:
    message = message_from_text("> PO 4500000003 - when?\nShips Friday.", dt.date(2024, 11, 20))
    (block,) = message.blocks
    assert block.text == "Ships Friday."
    assert block.quotes == ((0, "PO 4500000003 - when?"),)


def test_subject_prefixes_are_removed() -> None:
    assert clean_subject("RE: FW: Aw: WG: PO 1") == "PO 1"
    assert clean_subject("Re[2]: update") == "update"


def test_outlook_forward_is_read_with_its_sent_date() -> None:
    eml = b"""Date: Mon, 02 Dec 2024 08:00:00 +0000
From: Colleague <c@northwind.example>
Subject: FW: PO 4500000004
Content-Type: text/plain

FYI.

________________________________
From: Supplier <s@example.com>
Sent: Friday, November 29, 2024 3:12 PM
To: Colleague <c@northwind.example>
Subject: RE: PO 4500000004

We ship tomorrow.

________________________________
From: Colleague <c@northwind.example>
Sent: Thursday, November 28, 2024 9:00 AM
Subject: PO 4500000004

When do you ship?
"""
    blocks = parse_eml(eml).blocks
    forwarded = [b for b in blocks if b.origin == "forwarded"]
    assert [b.text for b in forwarded] == ["We ship tomorrow."]
    assert forwarded[0].base == dt.datetime(2024, 11, 29, 15, 12)
    assert all("When do you ship" not in b.text for b in blocks)
