"""Supplier message to `ExtractionResult`: the entry point of the extraction package."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from backorder.risk.extraction import cues
from backorder.risk.extraction.assemble import assemble, prune_unsure
from backorder.risk.extraction.clauses import Draft, Reading, read_sentence
from backorder.risk.extraction.date_grammar import DateSpan, find_date_spans
from backorder.risk.extraction.date_items import date_items, resolve_item
from backorder.risk.extraction.dates import DateContext, infer_day_first
from backorder.risk.extraction.grammar import UNITS, find_lines, find_pos, normalise_po
from backorder.risk.extraction.message import (
    SupplierMessage,
    TextBlock,
    load_message,
    message_from_text,
)
from backorder.risk.extraction.model import ExtractionResult, UnsureFragment, UnsureReason
from backorder.risk.extraction.references import Context, Ref, combine
from backorder.risk.extraction.scoring import confidence_factors, suggest
from backorder.risk.extraction.segment import Unit, split_units
from backorder.risk.extraction.tables import DATE_ROLES, TableRow, find_tables

_EMPTY_CELL = re.compile(r"^\s*(?:-+|n/?a|none|—)?\s*$", re.I)


def _known_pos(blocks: tuple[TextBlock, ...]) -> frozenset[str]:
    """PO numbers labelled somewhere in the message; bare mentions of them count too."""
    known: set[str] = set()
    for block in blocks:
        known.update(m.po for m in find_pos(block.text) if not m.weak_label)
        rows, _ = find_tables(block.text)
        known.update(_row_po(row)[0] or "" for row in rows)
    known.discard("")
    return frozenset(known)


def _numeric_dates(blocks: tuple[TextBlock, ...]) -> list[DateSpan]:
    spans: list[DateSpan] = []
    for block in blocks:
        protected = [(m.start, m.end) for m in find_pos(block.text)]
        protected += [(m.start, m.end) for m in find_lines(block.text, protected)]
        spans += [s for s in find_date_spans(block.text, protected) if s.rule == "numeric"]
    return spans


def _row_po(row: TableRow) -> tuple[str | None, int | None]:
    match = re.match(r"\s*([A-Za-z0-9-]{4,})(?:\s*/\s*(\d{1,5}))?", row.cells.get("po", ""))
    if not match or sum(ch.isdigit() for ch in match.group(1)) < 4:
        return None, None
    return normalise_po(match.group(1)), int(match.group(2)) if match.group(2) else None


def _row_refs(row: TableRow, ctx: Context) -> tuple[list[Ref], str]:
    po, line = _row_po(row)
    line_cell = row.cells.get("line", "")
    if line is None and line_cell.strip().isdigit():
        line = int(line_cell)
    sku = row.cells.get("sku", "").strip().upper() or None
    if po is not None:
        return [Ref(po, line, sku)], "clause"
    lines = [line] if line is not None else []
    return combine([], lines, [sku] if sku else [], ctx.refs), ctx.source


def _row_quantity(row: TableRow, role: str = "qty") -> tuple[int | None, str | None]:
    cell = row.cells.get(role, "")
    match = re.search(r"\d{1,3}(?:[,.'\u202f]\d{3})+(?!\d)|\d+", cell)
    if not match:
        return None, None
    quantity = int(re.sub(r"\D", "", match.group(0)))
    unit_text = row.cells.get("unit", "") or cell[match.end() :]
    unit_match = re.match(r"\s*([A-Za-z]+)", unit_text)
    unit = UNITS.get(unit_match.group(1).lower()) if unit_match else None
    return quantity, unit


def _read_row(row: TableRow, ctx: Context, dctx: DateContext, origin: str) -> Reading:
    """A table row: one commitment per filled date column."""
    reading = Reading()
    refs, source = _row_refs(row, ctx)
    quantity, unit = _row_quantity(row)
    ordered, ordered_unit = _row_quantity(row, "ordered")
    if "qty" not in row.cells:
        quantity, unit = ordered, ordered_unit  # the only quantity column there is
    short = quantity is not None and ordered is not None and quantity < ordered
    # Confirmed less than ordered, or remarks such as "partial, balance TBC".
    partial = short or cues.PARTIAL.search(row.text) is not None
    for role, kind in DATE_ROLES.items():
        cell = row.cells.get(role)
        if cell is None or _EMPTY_CELL.match(cell):
            continue
        items = date_items(cell, find_date_spans(cell, standalone=True))
        resolution = None
        if items and not items[0].spans[0].vague:
            resolution = resolve_item(items[0], dctx, False)
        date_text = items[0].text if items else cell.strip()
        if resolution is None or not refs:
            reason = UnsureReason.VAGUE_DATE if resolution is None else UnsureReason.NO_PO
            candidates = ctx.distinct_pos()
            reading.unsure.append(
                suggest(reason, row.text, refs, candidates, None, resolution, date_text, kind)
            )
            continue
        factor, reasons = confidence_factors(resolution, refs, source, kind, "", row.text, items[0])
        reading.drafts.append(
            Draft(
                refs=refs,
                quantity=quantity,
                unit=unit,
                each=False,
                resolution=resolution,
                date_text=date_text,
                kind=kind,
                balance=False,
                partial=partial,
                factor=factor,
                reasons=reasons,
                evidence=row.text,
                origin=origin,
            )
        )
    return reading


def _start(piece: Unit | TableRow | tuple[int, str]) -> tuple[int, int]:
    # A quote precedes the answer that starts at the same offset.
    return (piece[0], 0) if isinstance(piece, tuple) else (piece.start, 1)


def extract(message: SupplierMessage) -> ExtractionResult:
    """Read the delivery commitments and unsure fragments of one supplier message."""
    if message.auto_reply:
        return ExtractionResult(
            message.message_id, message.subject, message.sender, message.sent_at, (), (),
            auto_reply=True, notes=("automatic reply: not read",),
        )  # fmt: skip
    known = _known_pos(message.blocks)
    day_first, order_known = infer_day_first(_numeric_dates(message.blocks))
    notes: list[str] = []
    if order_known:
        notes.append(f"numeric dates read {'day' if day_first else 'month'}-first")
    ctx = Context()
    drafts: list[Draft] = []
    unsure: list[UnsureFragment] = []
    follow_up: dt.date | None = None
    for block in message.blocks:
        dctx = DateContext(block.base, day_first, order_known)
        ctx.topic_kind = None
        rows, used = find_tables(block.text)
        pieces: list[Unit | TableRow | tuple[int, str]] = [*rows, *split_units(block.text, used)]
        pieces += list(block.quotes)
        pieces.sort(key=_start)
        for piece in pieces:
            if isinstance(piece, tuple):
                ctx.note_quote(piece[1], known)
                continue
            if isinstance(piece, TableRow):
                reading = _read_row(piece, ctx, dctx, block.origin)
            else:
                reading = read_sentence(piece, ctx, dctx, known, block.origin)
            drafts += reading.drafts
            if not block.origin.endswith("subject"):
                unsure += reading.unsure  # a subject is a title: its doubts are the body's
            follow_up = follow_up or reading.follow_up
    commitments = assemble(drafts)
    return ExtractionResult(
        message_id=message.message_id,
        subject=message.subject,
        sender=message.sender,
        message_date=message.sent_at,
        commitments=tuple(commitments),
        unsure=tuple(prune_unsure(unsure, commitments)),
        reply_expected_by=follow_up,
        notes=tuple(notes),
    )


def extract_text(
    text: str, message_date: dt.datetime | dt.date, subject: str = ""
) -> ExtractionResult:
    """Extract from a plain-text portal message written on `message_date`."""
    return extract(message_from_text(text, message_date, subject))


def extract_file(path: Path, message_date: dt.datetime | dt.date | None = None) -> ExtractionResult:
    """Extract from an .eml file, or a plain-text file when `message_date` is given."""
    return extract(load_message(path, message_date))
