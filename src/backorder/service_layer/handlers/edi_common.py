"""What the EDI appliers share: located problems, matching lines to PO lines, results.

A problem found while *applying* a transaction set (an unknown PO line, a quantity that is
not a whole number) is reported like a parse error: interchange, group, set, segment
position (in the set and in the file), element and reason — the parser's documents do not
carry positions per line, so the set's segments are scanned again and the line's segment
found by order (the n-th PO1 / IT1) or id (the HL with that HL01).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backorder.adapters.edi import EnvelopeInfo
from backorder.adapters.edi.envelope import Segment
from backorder.adapters.repositories.supply import PurchaseOrderLine

ERROR = "error"
WARNING = "warning"
MISMATCH = "mismatch"  # an invoice line that does not match what was received


@dataclass(frozen=True)
class LineProblem:
    """Why a line of a transaction set was not applied (or applied with a remark)."""

    reason: str
    code: str
    severity: str = ERROR
    reference: str | None = None  # e.g. "PO-1 line 3", "HL 5"
    segment_id: str | None = None
    segment_position_in_set: int | None = None
    segment_position_in_file: int | None = None
    line: int | None = None
    element_position: int | None = None


@dataclass
class DocumentResult:
    """What applying one transaction set did."""

    reference: str
    lines: int = 0
    applied: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    reallocate: set[str] = field(default_factory=set)
    details: dict[str, Any] | None = None

    @property
    def errors(self) -> list[LineProblem]:
        """Problems that kept something from being applied."""
        return [p for p in self.problems if p.severity == ERROR]


class Locator:
    """Finds the segments of a transaction set's lines by tag order or HL id (indexed once)."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.start = segments[0].position if segments else 0
        self._by_tag: dict[str, list[int]] = {}
        self._hl: dict[str, int] = {}
        for index, segment in enumerate(segments):
            self._by_tag.setdefault(segment.tag, []).append(index)
            if segment.tag == "HL":
                self._hl.setdefault(segment.element(1), index)

    def nth(self, tag: str, index: int) -> Segment | None:
        """The `index`-th (0-based) segment with this tag."""
        found = self._by_tag.get(tag, [])
        return self.segments[found[index]] if index < len(found) else None

    def after(self, anchor: Segment | None, tag: str) -> Segment | None:
        """The first `tag` segment after `anchor` (an HL), before the next HL."""
        if anchor is None or anchor.tag != "HL":
            return None
        for segment in self.segments[self._hl.get(anchor.element(1), len(self.segments)) + 1 :]:
            if segment.tag == "HL":
                return None
            if segment.tag == tag:
                return segment
        return None

    def hl(self, hierarchy_id: str) -> Segment | None:
        """The HL segment with this HL01."""
        index = self._hl.get(hierarchy_id)
        return self.segments[index] if index is not None else None

    def problem(
        self,
        segment: Segment | None,
        reason: str,
        code: str,
        *,
        element: int | None = None,
        reference: str | None = None,
        severity: str = ERROR,
    ) -> LineProblem:
        """A problem located at `segment` (when it was found)."""
        if segment is None:
            return LineProblem(reason, code, severity, reference)
        return LineProblem(
            reason=reason,
            code=code,
            severity=severity,
            reference=reference,
            segment_id=segment.tag,
            segment_position_in_set=segment.position - self.start + 1,
            segment_position_in_file=segment.position,
            line=segment.line,
            element_position=element,
        )


def element_holding(segment: Segment | None, value: str | None) -> int | None:
    """The position of the first element equal to `value` (to point at a product id)."""
    if segment is None or not value:
        return None
    return next((i for i, v in enumerate(segment.elements, 1) if v == value), None)


def whole(value: Decimal | None) -> int | None:
    """A quantity as a whole number of units, None when it has a fraction."""
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def match_line(
    lines: dict[int, PurchaseOrderLine], line_number: str | None, buyer_part: str | None
) -> tuple[PurchaseOrderLine | None, str, int | None]:
    """The PO line a document line means, or why none; with the element to blame (1 = number).

    The line number decides when it names a line of the PO (and the buyer part, if sent,
    must be that line's item); otherwise the buyer part number must match exactly one line.
    """
    number = int(line_number) if line_number and line_number.strip().isdigit() else None
    if number is not None and number in lines:
        found = lines[number]
        if buyer_part and buyer_part != found.sku:
            return None, f"line {number} is {found.sku}, the document says {buyer_part}", None
        return found, "", None
    if buyer_part:
        same = [line for line in lines.values() if line.sku == buyer_part]
        if len(same) == 1:
            return same[0], "", None
        if len(same) > 1:
            return None, f"{buyer_part} is on several lines; the line number must say which", 1
        return None, f"no line for item {buyer_part}", None
    if number is not None:
        return None, f"the purchase order has no line {number}", 1
    return None, "neither a line number nor a buyer part number to match the line", 1


def supplier_refusal(
    envelope: EnvelopeInfo, po_supplier: str, edi_ids: dict[str, str | None]
) -> str | None:
    """Why this sender may not speak for the PO's supplier (None: it may).

    A supplier with an EDI id (`ID` or `QQ:ID`) must be the interchange's sender; one without
    is not checked (it has not been set up for EDI yet).
    """
    expected = edi_ids.get(po_supplier)
    if not expected:
        return None
    qualifier, _, ident = expected.rpartition(":")
    sender = envelope.interchange
    if ident == sender.sender_id and qualifier in ("", sender.sender_qualifier):
        return None
    return f"the purchase order belongs to supplier {po_supplier} ({expected}), not to the sender"
