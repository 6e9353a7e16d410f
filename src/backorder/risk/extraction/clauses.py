"""One sentence to draft commitments and unsure fragments.

A sentence is cut into clauses, one per date phrase. A clause becomes a draft commitment
when it has a date, a word saying what happens on it (ship, arrive, ready, confirmed) and
a PO line (its own, the sentence's or the context's); cue words can veto it (negation,
question, condition, "not before") and turn it into an unsure fragment instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

from backorder.risk.extraction import cues
from backorder.risk.extraction.date_items import (
    DateItem,
    after_previous,
    date_items,
    is_document_date,
    mask,
    resolve_item,
)
from backorder.risk.extraction.dates import DateContext, DateResolution
from backorder.risk.extraction.grammar import KindMention, QuantityMention
from backorder.risk.extraction.model import CommitmentKind, UnsureFragment, UnsureReason
from backorder.risk.extraction.references import Context, Mentions, Ref, combine, find_mentions
from backorder.risk.extraction.scoring import confidence_factors, suggest
from backorder.risk.extraction.segment import Unit
from backorder.risk.extraction.typos import correct


@dataclass
class Draft:
    """A commitment before the message-wide pass settles partials and duplicates."""

    refs: list[Ref]
    quantity: int | None
    unit: str | None
    each: bool
    resolution: DateResolution
    date_text: str
    kind: CommitmentKind
    balance: bool
    partial: bool
    factor: float
    reasons: list[str]
    evidence: str
    origin: str


@dataclass
class Reading:
    """What one sentence yielded."""

    drafts: list[Draft] = field(default_factory=list)
    unsure: list[UnsureFragment] = field(default_factory=list)
    follow_up: dt.date | None = None


def _bounds(text: str, items: list[DateItem], m: Mentions) -> list[tuple[int, int]]:
    """Clause boundaries: each clause holds one date item."""
    if len(items) <= 1:
        return [(0, len(text))] * len(items)
    anchors = [q.start for q in m.quantities] or [p.start for p in m.pos] + [
        x.start for x in m.lines
    ]
    # "300 pcs Friday, 200 pcs Monday" names the thing first; "Friday: 300, Monday: 200" after.
    thing_first = any(a < items[0].start for a in anchors)
    cuts = [0]
    for prev, nxt in pairwise(items):
        gap = text[prev.end : nxt.start]
        strong = list(cues.STRONG_BREAK.finditer(gap))
        weak = list(cues.WEAK_BREAK.finditer(gap))
        if thing_first:
            pick = strong[0] if strong else (weak[0] if weak else None)
            cuts.append(prev.end + pick.start() if pick else prev.end)
        else:
            every = sorted(strong + weak, key=lambda b: b.start())
            cuts.append(prev.end + every[-1].start() if every else nxt.start)
    cuts.append(len(text))
    return list(pairwise(cuts))


def _choose_kind(
    m: Mentions, a: int, b: int, item: DateItem, inherited: KindMention | None
) -> KindMention | None:
    in_clause = [k for k in m.kinds if a <= k.start < b]
    specific = [k for k in in_clause if k.kind is not CommitmentKind.UNSPECIFIED]
    before = [k for k in specific if k.end <= item.start]
    if before:
        return before[-1]
    after = [k for k in specific if k.start >= item.end]
    if after:
        return after[0]
    if in_clause:
        return in_clause[0]  # its own "confirmed" beats a verb carried over from elsewhere
    # Only what came before carries over: in "Production starts Monday and we ship Dec 13"
    # Monday is not a ship date.
    return inherited


def _refs_for(
    m: Mentions, a: int, b: int, earlier: list[Ref], ctx: Context
) -> tuple[list[Ref], str]:
    """The clause's PO lines and where they came from; no refs when it is ambiguous."""
    pos = [p for p in m.pos if a <= p.start < b]
    lines = [x.line for x in m.lines if a <= x.start < b]
    skus = [s.sku for s in m.skus if a <= s.start < b]
    if pos:
        return combine(pos, lines, skus, []), "clause"
    if earlier:
        return combine([], lines, skus, earlier), "sentence"
    sentence_pos = list(dict.fromkeys(p.po for p in m.pos))
    if len(sentence_pos) == 1:
        return combine([m.pos[0]], lines, skus, []), "sentence"
    if m.pos or len(ctx.distinct_pos()) > 1:
        return [], "sentence"  # several POs around, and this clause names none of them
    return combine([], lines, skus, ctx.refs), ctx.source


@dataclass
class _Sentence:
    """Per-sentence state while walking its clauses."""

    text: str  # after typo correction
    origin_map: list[int]
    written: str  # as written
    m: Mentions
    masked: str
    mode: str | None  # "question" or "conditional"

    def as_written(self, start: int, end: int) -> str:
        """The original text behind a span of the corrected text."""
        return self.written[self.origin_map[start] : self.origin_map[end]].strip()


def _prepare(unit: Unit, ctx: Context, known: frozenset[str]) -> _Sentence:
    text, origin_map = correct(unit.text)
    m = find_mentions(text, known)
    masked = mask(text, [(d.start, d.end) for d in m.dates])
    mode = None
    if cues.question(text):
        mode = "question"
    elif cues.conditional(" ".join(masked.split()[:3])):
        mode = "conditional"
    own_kind = any(k.kind is not CommitmentKind.UNSPECIFIED for k in m.kinds)
    if not own_kind and cues.BALANCE.search(masked) and ctx.last_kind is not None:
        # "The remaining 400 pcs are planned for week 4." continues the previous sentence.
        mode = mode or ctx.last_mode
    return _Sentence(text, origin_map, unit.text, m, masked, mode)


@dataclass
class _State:
    """What earlier clauses of the sentence hand on to later ones."""

    inherit: KindMention | None  # "300 pcs ship Friday, the balance Monday": ship again
    lot: QuantityMention | None  # "300 pcs ship Friday, ETA Monday": 300 arrive Monday
    lot_kind: KindMention | None
    earlier: list[Ref] = field(default_factory=list)
    previous: DateResolution | None = None


def _initial_state(unit: Unit, ctx: Context, sent: _Sentence) -> _State:
    m = sent.m
    own_kind = any(k.kind is not CommitmentKind.UNSPECIFIED for k in m.kinds)
    inherit: KindMention | None = None
    if not own_kind and unit.kind in ("bullet", "record"):
        inherit = ctx.list_kind
    elif not own_kind and cues.BALANCE.search(sent.masked):
        inherit = ctx.last_kind
    if not own_kind:
        inherit = inherit or ctx.topic_kind
    # A sentence naming nothing new continues the previous lot: "ETA Wednesday."
    lot = ctx.last_lot if not (m.pos or m.lines or m.skus or m.quantities) else None
    return _State(inherit, lot, ctx.last_kind if lot is not None else None)


def _carry_lot(
    state: _State, m: Mentions, a: int, b: int, kind: KindMention | None, balance: bool
) -> QuantityMention | None:
    """The clause's quantity, or the lot an earlier step named when this is its next step."""
    quantity = _quantity(m, a, b)
    starts = [p.start for p in m.pos] + [x.start for x in m.lines] + [s.start for s in m.skus]
    names_own = any(a <= start < b for start in starts)
    next_step = kind is not None and state.lot_kind is not None and kind.kind != state.lot_kind.kind
    if quantity is None and state.lot is not None and not names_own and not balance and next_step:
        quantity = state.lot
    if quantity is not None:
        state.lot, state.lot_kind = quantity, kind
    return quantity


def _veto(
    sent: _Sentence,
    clause: str,
    refs: list[Ref],
    resolution: DateResolution | None,
    candidates: list[str],
) -> UnsureReason | None:
    """Why this dated clause is not a commitment, if it is not."""
    if resolution is None:
        return UnsureReason.VAGUE_DATE
    if sent.mode == "question":
        return UnsureReason.PROPOSAL
    if cues.EARLIEST.search(clause):
        return UnsureReason.EARLIEST_ONLY
    if cues.negated(clause):
        return UnsureReason.NEGATED
    if sent.mode == "conditional" or cues.conditional(clause):
        return UnsureReason.CONDITIONAL
    if not refs:
        several = len(candidates) > 1 or len({p.po for p in sent.m.pos}) > 1
        return UnsureReason.AMBIGUOUS_PO if several else UnsureReason.NO_PO
    return None


def _read_clause(
    sent: _Sentence,
    state: _State,
    item: DateItem,
    bounds: tuple[int, int],
    ctx: Context,
    dctx: DateContext,
    reading: Reading,
    evidence: tuple[str, str],  # (verbatim sentence, block origin)
) -> None:
    a, b = bounds
    m, clause = sent.m, sent.masked[a:b]
    kind_mention = _choose_kind(m, a, b, item, state.inherit)
    refs, source = _refs_for(m, a, b, state.earlier, ctx)
    if refs and source in ("clause", "sentence"):
        state.earlier = refs
    balance = cues.BALANCE.search(clause) is not None
    quantity = _carry_lot(state, m, a, b, kind_mention, balance)
    state.inherit = kind_mention or state.inherit
    if kind_mention is None:
        return  # a date with nothing promised on it: "thanks for your mail of Nov 18"
    if kind_mention.kind is CommitmentKind.DELIVER and kind_mention.past:
        return  # "the goods delivered on Nov 25": history, the receipt is in the ERP
    kind = kind_mention.kind
    resolution = None if item.spans[0].vague else resolve_item(item, dctx, kind_mention.past)
    resolution = after_previous(item, resolution, state.previous)
    state.previous = resolution or state.previous
    date_text = sent.as_written(item.start, item.end)
    follow = cues.follow_up_end(clause[: item.start - a])
    if follow is not None:
        verbs = [k for k in m.kinds if a + follow <= k.start < item.start and not k.noun]
        if not verbs:  # "we will revert by Friday": a promise to write, not to ship
            if resolution is not None and reading.follow_up is None:
                reading.follow_up = resolution.latest
            return
    candidates = ctx.distinct_pos() if not refs else []
    reason = _veto(sent, clause, refs, resolution, candidates)
    if reason is not None or resolution is None:
        candidates = candidates or list(dict.fromkeys(p.po for p in m.pos))
        reading.unsure.append(
            suggest(
                reason or UnsureReason.VAGUE_DATE,
                evidence[0],
                refs,
                candidates,
                quantity,
                resolution,
                date_text,
                kind,
            )
        )
        return
    factor, reasons = confidence_factors(
        resolution, refs, source, kind, sent.masked[:b], sent.text, item
    )
    partial = bool(cues.PARTIAL.search(clause) or (quantity and quantity.partial_of))
    reading.drafts.append(
        Draft(
            refs=refs,
            quantity=quantity.quantity if quantity else None,
            unit=quantity.unit if quantity else None,
            each=bool(quantity and quantity.each),
            resolution=resolution,
            date_text=date_text,
            kind=kind,
            balance=balance,
            partial=partial,
            factor=factor,
            reasons=reasons,
            evidence=evidence[0],
            origin=evidence[1],
        )
    )


def read_sentence(
    unit: Unit, ctx: Context, dctx: DateContext, known: frozenset[str], origin: str
) -> Reading:
    """Read one sentence (or bullet, heading, record) and update the context."""
    sent = _prepare(unit, ctx, known)
    items = [i for i in date_items(sent.text, sent.m.dates) if not is_document_date(sent.text, i)]
    reading = Reading()
    state = _initial_state(unit, ctx, sent)
    if not items:
        _no_date(reading, unit.text, sent.masked, sent.m, ctx, sent.mode == "question", origin)
        # "Booking confirmed for 1,850 cartons." names the lot that the dates below are for.
        state.lot = next((q for q in sent.m.quantities if q.unit), state.lot)
    for item, bounds in zip(items, _bounds(sent.text, items, sent.m), strict=True):
        _read_clause(sent, state, item, bounds, ctx, dctx, reading, (unit.text, origin))
    _update_context(ctx, sent.m, unit, origin, sent.mode, state.lot)
    return reading


def _quantity(m: Mentions, a: int, b: int) -> QuantityMention | None:
    """The clause's quantity; a bare number borrows the unit written elsewhere in the sentence."""
    inside = [q for q in m.quantities if a <= q.start < b]
    chosen = next((q for q in inside if q.unit), inside[0] if inside else None)
    if chosen is not None and chosen.unit is None:
        units = {q.unit for q in m.quantities if q.unit}
        if len(units) == 1:
            return replace(chosen, unit=units.pop())
    return chosen


def _no_date(
    reading: Reading,
    text: str,
    masked: str,
    m: Mentions,
    ctx: Context,
    is_question: bool,
    origin: str,
) -> None:
    """A promise with a PO or quantity but no date at all: ask for the date."""
    verbs = [k for k in m.kinds if not k.noun and not k.past]
    if origin.endswith("subject") or not verbs or is_question or cues.negated(masked):
        return
    if not (m.pos or m.quantities) or cues.follow_up_end(masked) is not None:
        return
    if not re.search(r"\b(?:will|shall|'ll|can|going\s+to|to\s+be)\b", masked, re.I):
        return
    refs = combine(m.pos, [x.line for x in m.lines], [s.sku for s in m.skus], ctx.refs)
    quantity = m.quantities[0] if m.quantities else None
    reading.unsure.append(
        suggest(UnsureReason.NO_DATE, text, refs, [], quantity, None, None, verbs[0].kind)
    )


def _update_context(
    ctx: Context,
    m: Mentions,
    unit: Unit,
    origin: str,
    mode: str | None,
    lot: QuantityMention | None,
) -> None:
    lines = [x.line for x in m.lines]
    skus = [s.sku for s in m.skus]
    if m.pos:
        ctx.refs = combine(m.pos, lines, skus, [])
        ctx.source = "subject" if origin.endswith("subject") else "body"
    elif (lines or skus) and len(ctx.distinct_pos()) == 1:
        ctx.refs = combine([], lines, skus, ctx.refs)
    specific = [k for k in m.kinds if k.kind is not CommitmentKind.UNSPECIFIED]
    if unit.kind == "heading" or (unit.kind == "prose" and unit.text.rstrip().endswith(":")):
        ctx.list_kind = specific[-1] if specific else (m.kinds[-1] if m.kinds else None)
    elif unit.kind in ("bullet", "record"):
        ctx.list_kind = specific[-1] if specific else ctx.list_kind
    else:
        ctx.list_kind = None
    if m.kinds:
        ctx.last_kind = specific[-1] if specific else m.kinds[-1]
        ctx.last_mode = mode
    ctx.last_lot = lot if m.kinds else None
