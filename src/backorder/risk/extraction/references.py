"""What a sentence mentions, and which PO lines a clause talks about.

A clause names its PO lines itself, or inherits them from earlier in the sentence, or
from the conversation context (an earlier sentence, a heading, the subject). How far the
reference travelled is kept, because it lowers the confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from backorder.risk.extraction.date_grammar import DateSpan, find_date_spans
from backorder.risk.extraction.grammar import (
    KindMention,
    LineMention,
    PoMention,
    QuantityMention,
    SkuMention,
    find_kinds,
    find_lines,
    find_pos,
    find_quantities,
    find_skus,
)
from backorder.risk.extraction.model import CommitmentKind

T = TypeVar("T")


@dataclass(frozen=True)
class Ref:
    """One purchase-order line (or the whole PO when the line is unknown)."""

    po: str
    line: int | None = None
    sku: str | None = None
    weak: bool = False  # the PO was only called "order" or "your ref"


@dataclass(frozen=True)
class Mentions:
    """Everything found in one sentence, as spans."""

    pos: list[PoMention]
    lines: list[LineMention]
    skus: list[SkuMention]
    dates: list[DateSpan]
    quantities: list[QuantityMention]
    kinds: list[KindMention]

    def reference_spans(self) -> list[tuple[int, int]]:
        """Spans of POs, lines and SKUs."""
        spans = [(p.start, p.end) for p in self.pos]
        spans += [(m.start, m.end) for m in self.lines]
        return spans + [(s.start, s.end) for s in self.skus]


def find_mentions(text: str, known: frozenset[str]) -> Mentions:
    """POs first, then lines and SKUs, then dates and quantities in what is left."""
    pos = find_pos(text, known)
    blocked = [(p.start, p.end) for p in pos]
    lines = find_lines(text, blocked)
    blocked += [(m.start, m.end) for m in lines]
    skus = find_skus(text, blocked)
    blocked += [(s.start, s.end) for s in skus]
    dates = find_date_spans(text, blocked)
    quantities, codes = find_quantities(text, blocked + [(d.start, d.end) for d in dates])
    date_spans = [(d.start, d.end) for d in dates]
    skus += [c for c in codes if not any(c.start < e and s < c.end for s, e in date_spans)]
    skus.sort(key=lambda s: s.start)
    return Mentions(pos, lines, skus, dates, quantities, find_kinds(text))


def combine(pos: list[PoMention], lines: list[int], skus: list[str], base: list[Ref]) -> list[Ref]:
    """Refs for a clause: its own POs, or its lines/SKUs applied to the single base PO."""
    if pos:
        if len(pos) == 1:
            head = pos[0]
            line_list: list[int | None] = list(lines) or [head.line]
            if len(skus) > 1 and len(line_list) == 1:
                return [Ref(head.po, line_list[0], sku, head.weak_label) for sku in skus]
            sku_for = _pair(skus, len(line_list))
            return [
                Ref(head.po, line, sku_for[i], head.weak_label) for i, line in enumerate(line_list)
            ]
        line_for = _pair(lines, len(pos))
        sku_for = _pair(skus, len(pos))
        return [
            Ref(p.po, p.line if p.line is not None else line_for[i], sku_for[i], p.weak_label)
            for i, p in enumerate(pos)
        ]
    if not (lines or skus):
        return list(base)
    base_pos = {r.po for r in base}
    if len(base_pos) != 1:
        return []  # lines without a PO, and no single PO to hang them on
    head_ref = base[0]
    if lines:
        sku_for = _pair(skus, len(lines))
        return [Ref(head_ref.po, line, sku_for[i], head_ref.weak) for i, line in enumerate(lines)]
    line = head_ref.line if len(base) == 1 else None
    return [Ref(head_ref.po, line, sku, head_ref.weak) for sku in skus]


def _pair(values: list[T], count: int) -> list[T | None]:
    """Pair values with `count` slots: one each when the counts agree, else shared or none."""
    if len(values) == count:
        return [*values]
    if len(values) == 1:
        return [values[0]] * count
    return [None] * count


@dataclass
class Context:
    """What earlier text established: the PO lines under discussion and the list topic."""

    refs: list[Ref] = field(default_factory=list)
    source: str = "none"  # "subject", "body" or "none"
    list_kind: KindMention | None = None  # "Shipping schedule:" over a bullet list
    last_kind: KindMention | None = None  # what the previous sentence was about
    last_mode: str | None = None  # "question" or "conditional": how it was said
    last_lot: QuantityMention | None = None  # the quantity it promised
    topic_kind: KindMention | None = None  # a quoted question the text below answers

    def note_quote(self, text: str, known: frozenset[str]) -> None:
        """An inline-quoted question names the PO lines the answer below it is about."""
        mentions = find_mentions(text, known)
        if not mentions.pos:
            return
        lines = [m.line for m in mentions.lines]
        self.refs = combine(mentions.pos, lines, [s.sku for s in mentions.skus], [])
        self.source = "body"
        self.last_kind = self.last_lot = self.last_mode = None
        # "> PO 4711 line 20 - when?": whatever date the answer gives is the answer to it.
        asks = text.rstrip().endswith("?")
        own = next(iter(mentions.kinds), None)
        self.topic_kind = own or (
            KindMention(0, 0, CommitmentKind.UNSPECIFIED, False, True) if asks else None
        )

    def distinct_pos(self) -> list[str]:
        """PO numbers in context, in order, without repeats."""
        return list(dict.fromkeys(r.po for r in self.refs))
