"""Date phrases of one sentence as items: ranges joined, replaced and document dates dropped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from backorder.risk.extraction import cues
from backorder.risk.extraction.date_grammar import DateSpan
from backorder.risk.extraction.dates import DateContext, DateResolution, resolve
from backorder.risk.extraction.model import DatePrecision


@dataclass(frozen=True)
class DateItem:
    """One date phrase, or two joined into a range ("Dec 5 to Dec 9", "Friday or Monday")."""

    start: int
    end: int
    text: str
    spans: tuple[DateSpan, ...]
    either: bool = False  # "Friday or Monday"


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out spans (same length) so cue words inside dates ("May") are not read."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def date_items(text: str, spans: list[DateSpan]) -> list[DateItem]:
    """Drop dates a reschedule replaced ("moved from Dec 5 to ..."), join ranges."""
    kept: list[DateSpan] = []
    for span in spans:
        lead = cues.SUPERSEDED_BEFORE.search(text[max(0, span.start - 40) : span.start])
        others = [s for s in spans if s is not span and not s.vague]
        if lead and others and not span.vague:
            is_from = lead.group(0).strip().lower().startswith("from")
            if not is_from or cues.RESCHEDULE.search(text):
                continue
        kept.append(span)
    items: list[DateItem] = []
    for span in kept:
        if items and not span.vague and not items[-1].spans[-1].vague:
            prev = items[-1]
            joiner = text[prev.end : span.start]
            if cues.RANGE_JOINER.match(joiner):
                word = joiner.strip().lower()
                between = cues.BETWEEN.search(text[: prev.start]) is not None
                if word != "and" or between:
                    items[-1] = DateItem(
                        prev.start,
                        span.end,
                        text[prev.start : span.end],
                        (*prev.spans, span),
                        word == "or",
                    )
                    continue
        items.append(DateItem(span.start, span.end, span.text, (span,)))
    return items


def resolve_item(item: DateItem, ctx: DateContext, past: bool) -> DateResolution | None:
    """Resolve a date item; a range spans from its first to its last date."""
    parts = [resolve(span, ctx, past) for span in item.spans]
    if any(p is None for p in parts):
        return None
    done = [p for p in parts if p is not None]
    if len(done) == 1:
        return done[0]
    factor = min(p.factor for p in done) * (0.8 if item.either else 0.9)
    note = f"either date: {item.text}" if item.either else f"a range: {item.text}"
    notes = (*tuple(n for p in done for n in p.notes), note)
    return DateResolution(
        min(p.earliest for p in done),
        max(p.latest for p in done),
        DatePrecision.DAYS,
        factor,
        notes,
    )


def after_previous(
    item: DateItem, resolution: DateResolution | None, previous: DateResolution | None
) -> DateResolution | None:
    """A bare weekday after another date is the one after it ("ship Tue, arrive Thu")."""
    span = item.spans[0]
    if resolution is None or previous is None or span.rule != "weekday" or len(item.spans) > 1:
        return resolution
    if span.groups.get("rel") or span.groups.get("wk") or resolution.latest > previous.latest:
        return resolution
    shift = dt.timedelta(days=7 * ((previous.latest - resolution.latest).days // 7 + 1))
    return replace(
        resolution, earliest=resolution.earliest + shift, latest=resolution.latest + shift
    )


def is_document_date(text: str, item: DateItem) -> bool:
    """True for a document's date ("your PO dated 12 November", "our quote of Oct 3")."""
    return cues.DOCUMENT_DATE_BEFORE.search(text[max(0, item.start - 20) : item.start]) is not None
