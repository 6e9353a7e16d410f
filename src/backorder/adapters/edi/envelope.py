"""Reading the X12 envelope: separators, segments and the ISA/GS/ST nesting of a file.

This is the only place that looks at raw characters. It finds the separators of every
interchange in its ISA (which may differ between interchanges of one file), cuts the text
into segments, applies the tolerance rules of README.md (whitespace between segments, CR/LF,
trailing padding, lowercase segment ids, mis-padded ISA fields) and nests the segments into
interchanges, groups and transaction sets. It does not judge counts or control numbers: a
missing trailer is recorded as `None` and the parser decides what fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backorder.adapters.edi.errors import EdiIssue, IssueLevel

# (width, kind) of ISA01..ISA15; kind decides how a wrongly padded value is repaired.
_ISA_LAYOUT: tuple[tuple[int, str], ...] = (
    (2, "code"),
    (10, "text"),
    (2, "code"),
    (10, "text"),
    (2, "code"),
    (15, "text"),
    (2, "code"),
    (15, "text"),
    (6, "digits"),
    (4, "digits"),
    (1, "code"),
    (5, "number"),
    (9, "number"),
    (1, "code"),
    (1, "code"),
)
_LEADING_WS = " \t\r\n\f\v"
_NEXT_ISA = re.compile(r"(?<![A-Za-z0-9])[Ii][Ss][Aa](?=[^A-Za-z0-9\s])")


@dataclass(frozen=True, slots=True)
class Separators:
    """The delimiters of one interchange."""

    element: str
    component: str
    segment: str
    repetition: str | None


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its id, its elements (element 1 first) and where it sits in the file."""

    tag: str
    elements: tuple[str, ...]
    position: int
    line: int

    def element(self, number: int) -> str:
        """The element with this 1-based number, or '' when the segment is shorter."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""


@dataclass(slots=True)
class TransactionSetSegments:
    """ST up to and including SE (`complete` is False when the SE never came)."""

    segments: list[Segment]
    complete: bool = False

    @property
    def header(self) -> Segment:
        """The ST segment."""
        return self.segments[0]

    @property
    def set_id(self) -> str:
        """ST01, the transaction set identifier."""
        return self.header.element(1)

    @property
    def control_number(self) -> str:
        """ST02, the transaction set control number."""
        return self.header.element(2)


@dataclass(slots=True)
class GroupSegments:
    """A functional group: GS, its transaction sets, GE (None when missing)."""

    header: Segment
    sets: list[TransactionSetSegments] = field(default_factory=list)
    trailer: Segment | None = None
    stray: list[Segment] = field(default_factory=list)  # between SE and the next ST/GE


@dataclass(slots=True)
class InterchangeSegments:
    """An interchange: ISA (elements already re-padded), its groups, IEA (None when missing)."""

    header: Segment
    separators: Separators
    groups: list[GroupSegments] = field(default_factory=list)
    trailer: Segment | None = None
    stray: list[Segment] = field(default_factory=list)  # outside any group

    @property
    def control_number(self) -> str:
        """ISA13, the interchange control number (9 digits)."""
        return self.header.element(13)


@dataclass(slots=True)
class ScanResult:
    """What `scan` found: interchanges plus file-level errors and tolerance warnings."""

    interchanges: list[InterchangeSegments] = field(default_factory=list)
    errors: list[EdiIssue] = field(default_factory=list)
    warnings: list[EdiIssue] = field(default_factory=list)


class _Cursor:
    """Walks the text segment by segment, counting segments and lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.segment_count = 0
        self._line = 1
        self._line_pos = 0

    def line_at(self, index: int) -> int:
        """The 1-based text line of a character index."""
        # Lines are counted from the previously asked position, so the scan stays linear.
        if index >= self._line_pos:
            self._line += self.text.count("\n", self._line_pos, index)
        else:
            self._line -= self.text.count("\n", index, self._line_pos)
        self._line_pos = index
        return self._line

    def skip_blank(self) -> None:
        """Move past whitespace between segments."""
        while self.pos < len(self.text) and self.text[self.pos] in _LEADING_WS:
            self.pos += 1

    def at_end(self) -> bool:
        """True when all text has been read."""
        return self.pos >= len(self.text)


def scan(text: str) -> ScanResult:
    """Cut X12 text into interchanges, groups, transaction sets and segments."""
    result = ScanResult()
    # A UTF-8 byte-order mark and DOS end-of-file padding carry no meaning.
    cursor = _Cursor(text.lstrip("\ufeff").rstrip("\x00\x1a"))
    while True:
        cursor.skip_blank()
        if cursor.at_end():
            return result
        start = cursor.pos
        if cursor.text[start : start + 3].upper() != "ISA":
            _skip_to_next_isa(cursor, result, "data outside an interchange (expected ISA)")
            continue
        interchange = _read_interchange(cursor, result)
        if interchange is not None:
            result.interchanges.append(interchange)


def _skip_to_next_isa(cursor: _Cursor, result: ScanResult, reason: str) -> None:
    start = cursor.pos
    match = _NEXT_ISA.search(cursor.text, start + 1)
    end = match.start() if match else len(cursor.text)
    result.errors.append(
        EdiIssue(
            level=IssueLevel.FILE,
            code="syntax.outside_interchange",
            reason=f"{reason}; skipped {end - start} characters",
            line=cursor.line_at(start),
        )
    )
    cursor.pos = end


def _read_interchange(cursor: _Cursor, result: ScanResult) -> InterchangeSegments | None:
    start = cursor.pos
    header = _read_isa(cursor, result)
    if header is None:
        return None
    isa, separators = header
    interchange = InterchangeSegments(header=isa, separators=separators)
    group: GroupSegments | None = None
    tset: TransactionSetSegments | None = None
    while True:
        cursor.skip_blank()
        if cursor.at_end():
            return interchange
        if cursor.text[cursor.pos : cursor.pos + 3].upper() == "ISA" and cursor.pos != start:
            # The next interchange starts before this one was closed by an IEA.
            return interchange
        segment = _read_segment(cursor, separators, result)
        if segment is None:
            continue
        tag = segment.tag
        if tag == "IEA":
            interchange.trailer = segment
            return interchange
        if tag == "GS":
            group = GroupSegments(header=segment)
            interchange.groups.append(group)
            tset = None
        elif group is None or group.trailer is not None:
            # TA1 (interchange acknowledgement) may sit between ISA and GS; we do not use it.
            if tag != "TA1":
                interchange.stray.append(segment)
        elif tag == "GE":
            group.trailer = segment
            tset = None
        elif tag == "ST":
            tset = TransactionSetSegments(segments=[segment])
            group.sets.append(tset)
        elif tset is None or tset.complete:
            group.stray.append(segment)
        else:
            tset.segments.append(segment)
            if tag == "SE":
                tset.complete = True


def _read_isa(cursor: _Cursor, result: ScanResult) -> tuple[Segment, Separators] | None:
    text, start = cursor.text, cursor.pos
    line = cursor.line_at(start)

    def fail(reason: str) -> None:
        """Record an unreadable ISA and skip to the next interchange."""
        result.errors.append(
            EdiIssue(
                level=IssueLevel.INTERCHANGE,
                code="syntax.bad_isa",
                reason=reason,
                segment_id="ISA",
                segment_position_in_file=cursor.segment_count + 1,
                line=line,
            )
        )
        _skip_to_next_isa(cursor, result, "interchange skipped after an unreadable ISA")

    if start + 3 >= len(text):
        fail("ISA segment is truncated")
        return None
    element_sep = text[start + 3]
    if element_sep.isalnum() or element_sep.isspace():
        fail(f"character after ISA is {element_sep!r}, not an element separator")
        return None
    # The ISA is found by its separators, not by fixed columns, so wrong padding is harmless.
    index = start + 3
    values: list[str] = []
    for _ in range(15):
        nxt = text.find(element_sep, index + 1)
        if nxt < 0:
            fail("ISA has fewer than 16 elements")
            return None
        # CR/LF inside the ISA come from wrapped files; ISA values never contain them.
        values.append(text[index + 1 : nxt].replace("\r", "").replace("\n", ""))
        index = nxt
    component_index = index + 1
    terminator_index = component_index + 1
    if terminator_index >= len(text):
        fail("ISA ends before its component separator and segment terminator")
        return None
    component = text[component_index]
    terminator = text[terminator_index]
    if terminator == "\r" and text[terminator_index + 1 : terminator_index + 2] == "\n":
        terminator_index += 1
        terminator = "\n"
    if terminator.isalnum() or terminator == " " or terminator == element_sep:
        fail(f"ISA16 is followed by {terminator!r}: ISA has more than 16 elements or no terminator")
        return None
    if component.isalnum() or component.isspace() or component in (element_sep, terminator):
        fail(f"ISA16 component separator {component!r} is not usable")
        return None
    fixed, repairs, problem = _normalise_isa(values)
    if problem:
        fail(problem)
        return None
    repetition = fixed[10] if fixed[11] >= "00402" and not fixed[10].isalnum() else None
    if repetition in (element_sep, component, terminator):
        repetition = None
    cursor.segment_count += 1
    isa = Segment("ISA", (*fixed, component), cursor.segment_count, line)
    for repair in repairs:
        result.warnings.append(
            EdiIssue(
                level=IssueLevel.INTERCHANGE,
                code="tolerated.isa_padding",
                reason=repair,
                interchange_control_number=fixed[12],
                segment_id="ISA",
                segment_position_in_file=isa.position,
                line=line,
            )
        )
    cursor.pos = terminator_index + 1
    return isa, Separators(element_sep, component, terminator, repetition)


def _normalise_isa(values: list[str]) -> tuple[list[str], list[str], str | None]:
    """Re-pad ISA01..ISA15 to their fixed widths; refuse values that cannot fit."""
    fixed: list[str] = []
    repairs: list[str] = []
    for number, (raw, (width, kind)) in enumerate(zip(values, _ISA_LAYOUT, strict=True), 1):
        value = raw.rstrip(" ") if kind == "text" else raw.strip(" ")
        if kind == "text":
            value = value.ljust(width)
        elif kind in ("number", "code") and value.isdigit():
            value = value.zfill(width)
        if len(value) != width or (kind in ("digits", "number") and not value.isdigit()):
            return fixed, repairs, f"ISA{number:02d} {raw!r} does not fit its {width} characters"
        if value != raw:
            repairs.append(f"ISA{number:02d} {raw!r} re-padded to {width} characters")
        fixed.append(value)
    return fixed, repairs, None


def _read_segment(cursor: _Cursor, separators: Separators, result: ScanResult) -> Segment | None:
    text, start = cursor.text, cursor.pos
    end = text.find(separators.segment, start)
    if end < 0:
        # A last segment without terminator at the end of the file is still unambiguous.
        end = len(text)
    raw = text[start:end]
    if separators.segment in "\r\n":
        raw = raw.rstrip("\r")
    elif "\n" in raw or "\r" in raw:
        # Line breaks inside a segment come from files wrapped at a fixed width.
        raw = raw.replace("\r", "").replace("\n", "")
    cursor.pos = end + 1
    if not raw.strip():
        return None
    parts = raw.split(separators.element)
    tag = parts[0].rstrip(" ")
    cursor.segment_count += 1
    line = cursor.line_at(start)
    if tag != tag.upper():
        result.warnings.append(
            EdiIssue(
                level=IssueLevel.SEGMENT,
                code="tolerated.lowercase_segment_id",
                reason=f"segment id {tag!r} read as {tag.upper()!r}",
                segment_id=tag.upper(),
                segment_position_in_file=cursor.segment_count,
                line=line,
            )
        )
        tag = tag.upper()
    elements = tuple(part.rstrip(" ") for part in parts[1:])
    return Segment(tag, elements, cursor.segment_count, line)
