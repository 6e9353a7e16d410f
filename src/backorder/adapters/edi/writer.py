"""Writing X12 interchanges: ISA/GS/ST ... SE/GE/IEA with counts and control numbers.

Control numbers come from a `ControlNumbers` sequence the caller owns (in production a
database sequence, so numbers survive restarts and never repeat); nothing here keeps state.
The writer is strict: a value containing a separator, an id too long for its ISA field or an
unsupported version raises `ValueError` instead of producing a file a partner would reject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from backorder.adapters.edi.envelope import Separators

# Segment id first, then its elements; a tuple element is a composite (its components).
SegmentValues = tuple[str | tuple[str, ...], ...]
DEFAULT_SEPARATORS = Separators(element="*", component=">", segment="~", repetition="^")
_ISA_VERSIONS = {"004010": "00401", "005010": "00501"}
_MAX_CONTROL = 999_999_999


class ControlNumbers(Protocol):
    """Source of interchange (ISA13), group (GS06) and transaction set (ST02) numbers."""

    def next_interchange(self) -> int:
        """The next interchange control number."""
        ...

    def next_group(self) -> int:
        """The next functional group control number."""
        ...

    def next_transaction_set(self) -> int:
        """The next transaction set control number."""
        ...


@dataclass(slots=True)
class SequentialControlNumbers:
    """Counts up from the last numbers used; the caller stores `last_*` between runs."""

    last_interchange: int = 0
    last_group: int = 0
    last_transaction_set: int = 0

    def next_interchange(self) -> int:
        """The next interchange control number."""
        self.last_interchange += 1
        return self.last_interchange

    def next_group(self) -> int:
        """The next functional group control number."""
        self.last_group += 1
        return self.last_group

    def next_transaction_set(self) -> int:
        """The next transaction set control number."""
        self.last_transaction_set += 1
        return self.last_transaction_set


@dataclass(frozen=True, slots=True)
class Party:
    """A trading partner as the envelope names it."""

    qualifier: str  # ISA05 / ISA07, e.g. ZZ (mutually defined), 01 (DUNS), 12 (phone)
    id: str  # ISA06 / ISA08, at most 15 characters
    application_code: str | None = None  # GS02 / GS03; the id when not given

    @property
    def group_code(self) -> str:
        """The GS02/GS03 code of this party."""
        return self.application_code or self.id


@dataclass(frozen=True, slots=True)
class InterchangeSettings:
    """Who sends to whom, in which version, with which separators."""

    sender: Party
    receiver: Party
    version: str = "004010"  # GS08: 004010 or 005010
    usage_indicator: str = "P"  # ISA15: P production, T test
    acknowledgement_requested: bool = False  # ISA14: ask the partner for a TA1
    separators: Separators = DEFAULT_SEPARATORS
    line_break: bool = True  # a newline after each segment, for people reading the file


@dataclass(frozen=True, slots=True)
class TransactionSetBody:
    """The segments of one transaction set between its ST and SE."""

    set_id: str
    segments: tuple[SegmentValues, ...]


@dataclass(frozen=True, slots=True)
class OutboundGroup:
    """A functional group to write; application codes default to the interchange parties."""

    functional_id: str
    transaction_sets: tuple[TransactionSetBody, ...]
    application_sender: str | None = None
    application_receiver: str | None = None


@dataclass(frozen=True, slots=True)
class WrittenInterchange:
    """The text of an interchange and the control numbers it used."""

    text: str
    interchange_control_number: str
    group_control_numbers: tuple[str, ...]
    transaction_set_control_numbers: tuple[str, ...]


def format_decimal(value: Decimal) -> str:
    """A decimal as X12 numeric text: no exponent, no trailing zeros (12.50 -> 12.5)."""
    if not value.is_finite():
        raise ValueError(f"not a finite number: {value}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def write_interchange(
    settings: InterchangeSettings,
    groups: Sequence[OutboundGroup],
    control_numbers: ControlNumbers,
    created_at: datetime,
) -> WrittenInterchange:
    """Render a complete interchange; counts and control numbers are filled in here."""
    seps = settings.separators
    isa_version = _ISA_VERSIONS.get(settings.version)
    if isa_version is None:
        raise ValueError(f"version {settings.version!r} is not supported (004010, 005010)")
    _check_separators(seps, isa_version)
    if isa_version < "00402":
        # Before 00402 ISA11 is a standards id, so there is no repetition separator to avoid.
        seps = replace(seps, repetition=None)
    interchange_number = _control(control_numbers.next_interchange(), width=9)
    isa = (
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        _fixed(settings.sender.qualifier, 2, "ISA05"),
        _fixed(settings.sender.id, 15, "ISA06"),
        _fixed(settings.receiver.qualifier, 2, "ISA07"),
        _fixed(settings.receiver.id, 15, "ISA08"),
        created_at.strftime("%y%m%d"),
        created_at.strftime("%H%M"),
        seps.repetition or "U",
        isa_version,
        interchange_number,
        "1" if settings.acknowledgement_requested else "0",
        _fixed(settings.usage_indicator, 1, "ISA15"),
        seps.component,
    )
    segments: list[SegmentValues] = [isa]
    group_numbers: list[str] = []
    set_numbers: list[str] = []
    for group in groups:
        group_number = _control(control_numbers.next_group(), width=1)
        group_numbers.append(group_number)
        segments.append(
            (
                "GS",
                group.functional_id,
                group.application_sender or settings.sender.group_code,
                group.application_receiver or settings.receiver.group_code,
                created_at.strftime("%Y%m%d"),
                created_at.strftime("%H%M"),
                group_number,
                "X",
                settings.version,
            )
        )
        for body in group.transaction_sets:
            set_number = _control(control_numbers.next_transaction_set(), width=4)
            set_numbers.append(set_number)
            segments.append(("ST", body.set_id, set_number))
            segments.extend(body.segments)
            segments.append(("SE", str(len(body.segments) + 2), set_number))
        segments.append(("GE", str(len(group.transaction_sets)), group_number))
    segments.append(("IEA", str(len(groups)), interchange_number))
    end = seps.segment + ("\n" if settings.line_break and seps.segment != "\n" else "")
    text = "".join(
        _render(segment, seps, is_isa=index == 0) + end for index, segment in enumerate(segments)
    )
    return WrittenInterchange(text, interchange_number, tuple(group_numbers), tuple(set_numbers))


def _render(segment: SegmentValues, seps: Separators, *, is_isa: bool) -> str:
    head, *elements = segment
    if not isinstance(head, str):
        raise TypeError(f"a segment starts with its id, not {head!r}")
    tag = _clean(head, 0, head, seps)
    if is_isa:
        # ISA11 (from 00402 on) and ISA16 *are* separators; everything else is plain data.
        fixed = [
            value if i in (11, 16) and isinstance(value, str) else _element(value, i, tag, seps)
            for i, value in enumerate(elements, 1)
        ]
        return seps.element.join([tag, *fixed])
    values = [_element(value, i, tag, seps) for i, value in enumerate(elements, 1)]
    return seps.element.join([tag, *_trim(values)])


def _element(value: str | tuple[str, ...], number: int, tag: str, seps: Separators) -> str:
    if isinstance(value, str):
        return _clean(tag, number, value, seps)
    components = [_clean(tag, number, component, seps) for component in value]
    return seps.component.join(_trim(components))


def _trim(values: list[str]) -> list[str]:
    """Trailing empty elements (or components) are omitted in X12."""
    while values and values[-1] == "":
        values.pop()
    return values


def _clean(tag: str, number: int, value: str, seps: Separators) -> str:
    forbidden = {seps.element, seps.component, seps.segment, "\r", "\n"}
    if seps.repetition:
        forbidden.add(seps.repetition)
    bad = forbidden.intersection(value)
    if bad:
        raise ValueError(f"{tag}{number:02d} {value!r} contains the separator {sorted(bad)[0]!r}")
    return value


def _fixed(value: str, width: int, name: str) -> str:
    if len(value) > width or not value.strip():
        raise ValueError(f"{name} {value!r} must be 1 to {width} characters")
    return value.ljust(width)


def _control(number: int, *, width: int) -> str:
    if not 0 < number <= _MAX_CONTROL:
        raise ValueError(f"control number {number} is outside 1..{_MAX_CONTROL}")
    return str(number).zfill(width)


def _check_separators(seps: Separators, isa_version: str) -> None:
    chosen = [seps.element, seps.component, seps.segment]
    if isa_version >= "00402":
        if not seps.repetition:
            raise ValueError("ISA11 is the repetition separator from 00402 on: set one")
        chosen.append(seps.repetition)
    if len(set(chosen)) != len(chosen) or any(len(c) != 1 or c.isalnum() for c in chosen):
        raise ValueError(f"separators must be distinct single non-alphanumeric characters: {seps}")
