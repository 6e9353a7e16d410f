"""Confidence of a draft commitment, and the pre-filled suggestion of an unsure fragment."""

from __future__ import annotations

from backorder.risk.extraction import cues
from backorder.risk.extraction.date_items import DateItem
from backorder.risk.extraction.dates import DateResolution
from backorder.risk.extraction.grammar import QuantityMention
from backorder.risk.extraction.model import (
    CommitmentKind,
    CommitmentSuggestion,
    DatePrecision,
    UnsureFragment,
    UnsureReason,
)
from backorder.risk.extraction.references import Ref

PRECISION_FACTOR = {
    DatePrecision.DAY: 1.0,
    DatePrecision.DAYS: 0.95,
    DatePrecision.WEEK: 0.92,
    DatePrecision.PART_OF_MONTH: 0.88,
    DatePrecision.MONTH: 1.0,  # the resolution already carries the month-only penalty
}


def suggest(
    reason: UnsureReason,
    text: str,
    refs: list[Ref],
    candidates: list[str],
    quantity: QuantityMention | None,
    resolution: DateResolution | None,
    date_text: str | None,
    kind: CommitmentKind,
) -> UnsureFragment:
    """An unsure fragment with everything that could be read pre-filled, and what to do."""
    pos = list(dict.fromkeys([r.po for r in refs] or candidates))
    po_words = ", ".join(pos) if pos else "an unknown PO"
    when = f"'{date_text}'" if date_text else "no date"
    actions = {
        UnsureReason.VAGUE_DATE: f"Ask the supplier for a firm date for PO {po_words} ({when}).",
        UnsureReason.NO_DATE: f"Ask the supplier for a date for PO {po_words}.",
        UnsureReason.NO_PO: f"Find the PO this promise ({when}) refers to and confirm it.",
        UnsureReason.AMBIGUOUS_PO: f"Confirm which of PO {po_words} the date {when} applies to.",
        UnsureReason.NEGATED: f"Supplier says {when} is not possible for PO {po_words}: "
        "ask for a new date.",
        UnsureReason.EARLIEST_ONLY: f"Supplier gives only an earliest date ({when}) for PO "
        f"{po_words}: ask for a firm date.",
        UnsureReason.CONDITIONAL: f"The date {when} for PO {po_words} depends on a condition: "
        "answer it, then confirm.",
        UnsureReason.PROPOSAL: f"Supplier proposes {when} for PO {po_words}: accept or reject.",
    }
    single = refs[0] if len(refs) == 1 else None
    suggestion = CommitmentSuggestion(
        po_candidates=tuple(pos),
        po_line=single.line if single else None,
        sku=single.sku if single else None,
        quantity=quantity.quantity if quantity else None,
        unit=quantity.unit if quantity else None,
        commitment_date=resolution.latest if resolution else None,
        date_text=date_text,
        kind=kind,
        action=actions[reason],
    )
    return UnsureFragment(text, reason, suggestion)


def confidence_factors(
    resolution: DateResolution,
    refs: list[Ref],
    source: str,
    kind: CommitmentKind,
    before: str,
    text: str,
    item: DateItem,
) -> tuple[float, list[str]]:
    """Confidence of a draft (0..1) and, in plain words, why it is below 1."""
    factor = 0.97 * resolution.factor * PRECISION_FACTOR[resolution.precision]
    reasons = list(resolution.notes)
    if resolution.precision is not DatePrecision.DAY:
        reasons.append(f"the date is a {resolution.precision.value.replace('_', ' ')}, not a day")
    if source == "body":
        factor *= 0.95
        reasons.append("PO named in an earlier sentence")
    elif source == "subject":
        factor *= 0.9
        reasons.append("PO named only in the subject")
    if any(r.weak for r in refs):
        factor *= 0.9
        reasons.append("number called 'order'/'reference', not 'PO'")
    if len({r.po for r in refs}) > 1:
        factor *= 0.8
        reasons.append("one date for several POs")
    if kind is CommitmentKind.UNSPECIFIED:
        factor *= 0.95
        reasons.append("does not say whether the date is for shipping or delivery")
    hedge, word = cues.hedge_factor(before)
    if word:
        factor *= hedge
        reasons.append(f"hedged: '{word}'")
    if cues.APPROX_BEFORE.search(text[max(0, item.start - 20) : item.start]):
        factor *= 0.9
        reasons.append("approximate date")
    return factor, reasons
