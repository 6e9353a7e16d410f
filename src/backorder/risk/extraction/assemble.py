"""Message-wide pass: drafts to commitments, partial shipments, duplicates, stale doubts.

Only here can we see that a PO line got two dates: with quantities or a "balance" they
are a partial shipment; without, they contradict each other and both lose confidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from backorder.risk.extraction.clauses import Draft
from backorder.risk.extraction.model import (
    CommitmentKind,
    DeliveryCommitment,
    UnsureFragment,
    UnsureReason,
)


@dataclass
class _Entry:
    commitment: DeliveryCommitment
    factor: float
    from_subject: bool
    family: CommitmentKind | None = None  # the kind partials are grouped by


def _family(kind: CommitmentKind) -> CommitmentKind:
    return CommitmentKind.SHIP if kind is CommitmentKind.SHIPPED else kind


def _expand(drafts: list[Draft]) -> list[_Entry]:
    entries: list[_Entry] = []
    for draft in drafts:
        several = len(draft.refs) > 1
        for ref in draft.refs:
            reasons = list(draft.reasons)
            quantity, unit = draft.quantity, draft.unit
            if several and quantity is not None and not draft.each:
                quantity, unit = None, None
                reasons.append("one quantity written for several lines: not assigned")
            commitment = DeliveryCommitment(
                po_number=ref.po,
                po_line=ref.line,
                sku=ref.sku,
                quantity=quantity,
                unit=unit,
                commitment_date=draft.resolution.latest,
                earliest_date=draft.resolution.earliest,
                date_text=draft.date_text,
                date_precision=draft.resolution.precision,
                kind=draft.kind,
                is_partial=draft.partial or draft.balance,
                is_balance=draft.balance,
                confidence=0.0,
                evidence=draft.evidence,
                reasons=tuple(reasons),
            )
            entries.append(_Entry(commitment, draft.factor, draft.origin.endswith("subject")))
    return entries


def _dedupe(entries: list[_Entry]) -> list[_Entry]:
    """The same promise said twice (subject and body, or repeated) counts once."""
    best: dict[tuple[object, ...], _Entry] = {}
    for entry in entries:
        c = entry.commitment
        key = (c.po_number, c.po_line, c.sku, c.quantity, c.commitment_date, _family(c.kind))
        held = best.get(key)
        better = held is None or (
            (held.from_subject, -held.factor) > (entry.from_subject, -entry.factor)
        )
        if better:
            best[key] = entry
    return [e for e in entries if any(e is kept for kept in best.values())]


def _drop_subject_echoes(entries: list[_Entry]) -> list[_Entry]:
    """A subject ("PO 4711 SHIPPING TODAY") that the body repeats in detail adds nothing."""
    body = {
        (e.commitment.po_number, e.commitment.commitment_date, _family(e.commitment.kind))
        for e in entries
        if not e.from_subject
    }
    return [
        e
        for e in entries
        if not e.from_subject
        or (e.commitment.po_number, e.commitment.commitment_date, _family(e.commitment.kind))
        not in body
    ]


def _join_unspecified(entries: list[_Entry]) -> None:
    """A "confirmed for Nov 28" next to "ship on Dec 5" for the same line is a ship date too."""
    by_line: dict[tuple[object, ...], set[CommitmentKind]] = defaultdict(set)
    for entry in entries:
        c = entry.commitment
        if c.kind is not CommitmentKind.UNSPECIFIED:
            by_line[(c.po_number, c.po_line, c.sku)].add(_family(c.kind))
    for entry in entries:
        c = entry.commitment
        families = by_line.get((c.po_number, c.po_line, c.sku), set())
        if c.kind is CommitmentKind.UNSPECIFIED and len(families) == 1:
            entry.family = next(iter(families))


def _settle_partials(entries: list[_Entry]) -> None:
    """Mark partial shipments and balances; penalise contradictory dates for one line."""
    groups: dict[tuple[object, ...], list[_Entry]] = defaultdict(list)
    for entry in entries:
        c = entry.commitment
        groups[(c.po_number, c.po_line, c.sku, entry.family or _family(c.kind))].append(entry)
    partial_quantities: dict[tuple[object, ...], set[int]] = defaultdict(set)
    for (po, line, sku, _), group in groups.items():
        dates = {e.commitment.commitment_date for e in group}
        if len(group) < 2 or len(dates) < 2:
            continue
        split = any(e.commitment.is_balance for e in group) or all(
            e.commitment.quantity is not None or e.commitment.is_partial for e in group
        )
        for entry in group:
            c = entry.commitment
            if split:
                entry.commitment = replace(c, is_partial=True)
                if c.quantity is not None:
                    partial_quantities[(po, line, sku)].add(c.quantity)
            else:
                entry.factor *= 0.7
                entry.commitment = replace(
                    c, reasons=(*c.reasons, "another date was given for the same line")
                )
    for entry in entries:
        c = entry.commitment
        if c.quantity in partial_quantities.get((c.po_number, c.po_line, c.sku), set()):
            entry.commitment = replace(c, is_partial=True)


def assemble(drafts: list[Draft]) -> list[DeliveryCommitment]:
    """Turn drafts into final commitments, in message order."""
    entries = _drop_subject_echoes(_dedupe(_expand(drafts)))
    _join_unspecified(entries)
    _settle_partials(entries)
    return [
        replace(e.commitment, confidence=round(max(0.0, min(1.0, e.factor)), 2)) for e in entries
    ]


_RESOLVED_BY_COMMITMENT = (UnsureReason.NEGATED, UnsureReason.NO_DATE)


def prune_unsure(
    unsure: list[UnsureFragment], commitments: list[DeliveryCommitment]
) -> list[UnsureFragment]:
    """Drop doubts a later commitment answered ("not Friday ... we ship Monday")."""
    committed = {c.po_number for c in commitments}
    kept: list[UnsureFragment] = []
    seen: set[tuple[str, UnsureReason, str | None]] = set()
    for fragment in unsure:
        key = (fragment.text, fragment.reason, fragment.suggestion.date_text)
        if key in seen:
            continue
        seen.add(key)
        candidates = set(fragment.suggestion.po_candidates)
        answered = not candidates or candidates <= committed
        if fragment.reason in _RESOLVED_BY_COMMITMENT and committed and answered:
            continue
        kept.append(fragment)
    return kept
