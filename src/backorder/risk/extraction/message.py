"""Supplier messages as text blocks: RFC 822 parsing, forwards, quotes and signatures.

Every block carries the date its relative phrases refer to: the message date for the body,
the forwarded header's date for a forwarded supplier message. Dates are kept as the
sender's wall-clock time, because "tomorrow" means the sender's tomorrow.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import dateparser

from backorder.risk.extraction.html_text import html_to_text


@dataclass(frozen=True)
class TextBlock:
    """A run of text written at one time, with the base date for its relative dates."""

    text: str
    base: dt.datetime
    origin: str  # "subject", "body", "forwarded_subject" or "forwarded"
    # Inline-quoted lines ("> And PO 4500012701?") removed from `text`, with the offset where
    # each stood: the supplier's answer below refers to them, so they set the context.
    quotes: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class SupplierMessage:
    """A supplier e-mail or portal message reduced to the text that is the supplier's."""

    subject: str
    sent_at: dt.datetime
    blocks: tuple[TextBlock, ...]
    message_id: str | None = None
    sender: str | None = None
    auto_reply: bool = False


_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*forwarded message\s*-{2,}|begin forwarded message:?|"
    r"-{2,}\s*forwarded by .*)$",
    re.I,
)
_ORIGINAL_MARKER = re.compile(r"^\s*-{2,}\s*original message\s*-{2,}\s*$", re.I)
_RULE_LINE = re.compile(r"^\s*_{8,}\s*$")
_HEADER_LINE = re.compile(r"^\s*\*?(from|sent|date|to|cc|subject)\*?\s*:\s*(.*)$", re.I)
_WROTE_TAIL = re.compile(r"\bwrote:\s*$", re.I)
_SIGNATURE_DASHES = re.compile(r"^--\s*$")
_CLOSING = re.compile(
    r"^(?:(?:best|kind|warm|warmest|many|with\s+(?:best|kind))\s+)?"
    r"(?:regards|wishes|thanks|thank\s+you|thx|cheers|sincerely|br|rgds|best|"
    r"yours\s+(?:sincerely|faithfully|truly))\b[\s,.!]*(?:[A-Z][\w.'-]*\s*){0,3}$",
    re.I,
)
_BOILERPLATE = re.compile(
    r"^\s*(?:sent from my\b|confidentiality notice|disclaimer\b|"
    r"this (?:e-?mail|message) (?:and any|is intended|may contain|is confidential))",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"\b(?:out of (?:the )?office|automatic reply|auto-?reply|autoreply|"
    r"away from (?:the )?office|on (?:annual )?leave|abwesenheit)\b",
    re.I,
)
_AUTO_BODY = re.compile(
    r"\b(?:I am|I'm|I will be)\s+(?:currently\s+)?(?:out of (?:the )?office|on (?:annual )?leave|"
    r"away from (?:the )?office|on vacation|on holiday)\b",
    re.I,
)


_RFC_DATE = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\b")
_AM_PM = re.compile(r"\b[AP]\.?M\.?\b", re.I)


def clean_subject(subject: str) -> str:
    """Drop reply and forward prefixes (RE:, FW:, AW:, ...)."""
    return _SUBJECT_PREFIX.sub("", subject or "").strip()


def is_forward_subject(subject: str) -> bool:
    """True when the subject says the message forwards another one."""
    return re.match(r"^\s*(?:re\s*:\s*)*(?:fw|fwd|wg|tr)\s*:", subject or "", re.I) is not None


def parse_header_date(value: str) -> dt.datetime | None:
    """Parse an RFC 822 or Outlook-style header date into the sender's wall-clock time."""
    value = value.strip()
    if not value:
        return None
    parsed: dt.datetime | None = None
    # RFC 822 has "29 Nov 2024"; Outlook writes "Friday, November 29, 2024 3:12 PM" in
    # forwarded headers, which the RFC parser misreads instead of rejecting.
    if _RFC_DATE.search(value) and not _AM_PM.search(value):
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        parsed = dateparser.parse(value, languages=["en"])
    if parsed is None:
        return None
    return parsed.replace(tzinfo=None)


def _cut_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if i == 0 or not stripped:
            continue
        if _SIGNATURE_DASHES.match(line) or _BOILERPLATE.match(stripped):
            return lines[:i]
        if len(stripped) <= 40 and _CLOSING.match(stripped):
            return lines[:i]
    return lines


def _header_block(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """Read `From:/Sent:/Subject:` lines from `start`; return them and the first body line."""
    headers: dict[str, str] = {}
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        match = _HEADER_LINE.match(lines[i])
        if not match:
            break
        headers[match.group(1).lower()] = match.group(2).strip()
        i += 1
    return headers, i


def _looks_like_header_block(lines: list[str], i: int) -> bool:
    """An Outlook reply/forward header: `From:` followed shortly by `Sent:` or `Date:`."""
    if not re.match(r"^\s*\*?from\*?\s*:", lines[i], re.I):
        return False
    window = lines[i + 1 : i + 4]
    return any(re.match(r"^\s*\*?(sent|date)\*?\s*:", line, re.I) for line in window)


def _reply_header_at(lines: list[str], i: int) -> bool:
    """`On Tue, Nov 19, 2024 at 10:02 AM Jane <jane@x.com> wrote:`, possibly wrapped."""
    if not re.match(r"^\s*On\b", lines[i]):
        return False
    return any(_WROTE_TAIL.search(line) for line in lines[i : i + 3])


def _finish(lines: list[str], base: dt.datetime, origin: str) -> TextBlock | None:
    kept: list[str] = []
    quoted: list[tuple[int, str]] = []
    for line in lines:
        if line.lstrip().startswith(">"):
            quoted.append((len(kept), line.lstrip(" >")))
        else:
            kept.append(line)
    kept = _cut_signature(kept)
    text = "\n".join(kept)
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if not text:
        return None
    offsets = [len("\n".join(kept[:n])) + (1 if n else 0) - lead for n in range(len(kept) + 1)]
    quotes = tuple(
        (max(0, offsets[index]), quote)
        for index, quote in quoted
        if index < len(kept) and quote.strip()
    )
    return TextBlock(text, base, origin, quotes)


def split_body(body: str, base: dt.datetime, forward: bool) -> list[TextBlock]:
    """Split a body into the top text and forwarded messages; drop quoted replies."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").split("\n")
    blocks: list[TextBlock] = []
    current: list[str] = []
    current_base, origin = base, "body"
    forward_pending = forward  # a "FW:" subject makes the first header block a forward
    i = 0
    while i < len(lines):
        line = lines[i]
        is_forward = bool(_FORWARD_MARKER.match(line))
        separator = bool(_RULE_LINE.match(line) or _ORIGINAL_MARKER.match(line))
        header_start = i + 1 if (is_forward or separator) else i
        is_header = (separator and _has_header(lines, header_start)) or (
            not (is_forward or separator) and _looks_like_header_block(lines, i)
        )
        if is_header and forward_pending:
            is_forward, forward_pending = True, False
        if is_forward or is_header:
            block = _finish(current, current_base, origin)
            if block is not None:
                blocks.append(block)
            if not is_forward:
                return blocks  # a quoted reply: older mail, not this supplier's statement
            headers, i = _header_block(lines, header_start)
            current_base = parse_header_date(headers.get("date", headers.get("sent", ""))) or base
            origin, current = "forwarded", []
            if headers.get("subject"):
                subject = clean_subject(headers["subject"])
                blocks.append(TextBlock(subject, current_base, "forwarded_subject"))
            continue
        if _reply_header_at(lines, i):
            break
        current.append(line)
        i += 1
    block = _finish(current, current_base, origin)
    if block is not None:
        blocks.append(block)
    return blocks


def _has_header(lines: list[str], start: int) -> bool:
    headers, _ = _header_block(lines, start)
    return "from" in headers or "subject" in headers


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    if part is not None:
        return str(part.get_content())
    part = msg.get_body(preferencelist=("html",))
    if part is not None:
        return html_to_text(str(part.get_content()))
    return ""


def _is_auto_reply(headers: dict[str, str], subject: str, body: str) -> bool:
    auto = headers.get("auto-submitted", "no").strip().lower()
    if auto not in ("", "no") or headers.get("x-autoreply") or headers.get("x-autorespond"):
        return True
    if headers.get("precedence", "").strip().lower() == "auto_reply":
        return True
    return bool(_AUTO_SUBJECT.search(subject) or _AUTO_BODY.search(body[:600]))


def _from_email(msg: EmailMessage, message_date: dt.datetime | None) -> SupplierMessage:
    # Each header access re-parses it under the default policy: read them all once.
    headers = {name.lower(): str(value) for name, value in msg.items()}
    raw_subject = headers.get("subject", "")
    subject = clean_subject(raw_subject)
    sent_at = message_date or parse_header_date(headers.get("date", ""))
    if sent_at is None:
        raise ValueError("the message has no usable Date header; pass message_date")
    body = _body_text(msg)
    blocks = [TextBlock(subject, sent_at, "subject")] if subject else []
    blocks.extend(split_body(body, sent_at, is_forward_subject(raw_subject)))
    attached = msg.iter_attachments() if msg.is_multipart() else iter(())
    for part in attached:
        if part.get_content_type() == "message/rfc822":
            # A forward as attachment: its own date, subject and body.
            inner = part.get_content()
            if isinstance(inner, EmailMessage):
                nested = _from_email(inner, None if inner.get("Date") else sent_at)
                blocks.extend(
                    TextBlock(b.text, b.base, "forwarded" if b.origin == "body" else b.origin)
                    for b in nested.blocks
                )
    return SupplierMessage(
        subject=subject,
        sent_at=sent_at,
        blocks=tuple(blocks),
        message_id=headers.get("message-id", "").strip() or None,
        sender=headers.get("from") or None,
        auto_reply=_is_auto_reply(headers, raw_subject, body),
    )


def parse_eml(data: bytes, message_date: dt.datetime | None = None) -> SupplierMessage:
    """Parse an RFC 822 message; `message_date` overrides the Date header when given."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(msg, EmailMessage):  # pragma: no cover - the default policy makes one
        raise TypeError("expected an EmailMessage")
    return _from_email(msg, message_date)


def message_from_text(
    text: str,
    message_date: dt.datetime | dt.date,
    subject: str = "",
    sender: str | None = None,
    message_id: str | None = None,
) -> SupplierMessage:
    """Wrap a portal message (plain text with a known date) as a supplier message."""
    if not isinstance(message_date, dt.datetime):
        message_date = dt.datetime.combine(message_date, dt.time(9, 0))
    subject = clean_subject(subject)
    blocks = [TextBlock(subject, message_date, "subject")] if subject else []
    blocks.extend(split_body(text, message_date, forward=False))
    return SupplierMessage(
        subject=subject,
        sent_at=message_date,
        blocks=tuple(blocks),
        message_id=message_id,
        sender=sender,
        auto_reply=bool(_AUTO_BODY.search(text[:600])),
    )


def looks_like_eml(data: bytes) -> bool:
    """True when the bytes start with RFC 822 header lines."""
    head = data[:2000].decode("utf-8", errors="replace").replace("\r\n", "\n")
    header_part = head.split("\n\n", 1)[0]
    names = re.findall(r"^([A-Za-z][A-Za-z-]*):", header_part, re.M)
    lowered = {n.lower() for n in names}
    return "date" in lowered or ("from" in lowered and "subject" in lowered)


def load_message(path: Path, message_date: dt.datetime | dt.date | None = None) -> SupplierMessage:
    """Read an .eml file, or a plain-text portal message when `message_date` is given."""
    data = path.read_bytes()
    if path.suffix.lower() == ".eml" or looks_like_eml(data):
        override = message_date
        if override is not None and not isinstance(override, dt.datetime):
            override = dt.datetime.combine(override, dt.time(9, 0))
        return parse_eml(data, override)
    if message_date is None:
        raise ValueError(f"{path.name} is plain text: pass the message date")
    return message_from_text(data.decode("utf-8", errors="replace"), message_date)
