"""Tables written as text: `|`-separated, tab-separated or aligned with spaces.

A table is a header naming at least one reference column (PO, line, item) and one date
column, followed by rows. Each row keeps its verbatim line as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backorder.risk.extraction.model import CommitmentKind

_ROLE_PATTERNS: list[tuple[str, str]] = [
    (
        "skip",
        r"(?:requested|req\.?|original|old|previous|order|po|wish)\s*(?:date|eta|etd)|"
        r"price|amount|value|total|description|desc\.?|remarks?|comments?|notes?|status",
    ),
    (
        "ordered",
        r"(?:ordered|order|open|backorder(?:ed)?|po)\s*(?:qty|quantity)|(?:qty|quantity)\s*(?:ordered|open)",
    ),
    (
        "po",
        r"(?:your\s+|cust(?:omer)?\.?\s+)?(?:p\.?o\.?|purchase\s+order|order|ref(?:erence)?)"
        r"\s*(?:#|no\.?|nr\.?|number)?",
    ),
    ("line", r"(?:po\s+)?(?:line|ln|pos(?:ition)?|itm)\s*(?:#|no\.?)?"),
    ("item", r"item\s*(?:#|no\.?|code)?"),
    (
        "sku",
        r"sku|part\s*(?:#|no\.?|number)?|p/n|material|article|art\.?\s*no\.?|product\s*(?:code|no\.?)?",
    ),
    (
        "qty",
        r"(?:confirmed\s+|conf\.?\s+|ship(?:ping)?\s+|shipped\s+|deliv(?:ery)?\.?\s+)?"
        r"(?:qty|quantity|pcs|units)(?:\s+(?:confirmed|conf\.?|shipped|to\s+ship))?",
    ),
    ("unit", r"unit|uom|u/m|um"),
    (
        "ship",
        r"(?:confirmed\s+|conf\.?\s+|new\s+|planned\s+)?(?:ship(?:ping|ment)?|dispatch|etd)"
        r"(?:\s*date)?",
    ),
    (
        "deliver",
        r"(?:confirmed\s+|conf\.?\s+|new\s+|planned\s+)?(?:deliv(?:ery)?\.?|eta|arrival)"
        r"(?:\s*date)?",
    ),
    ("ready", r"(?:ready|avail(?:able|ability)?|ex[\s-]?works)(?:\s*date)?"),
    (
        "date",
        r"(?:confirmed|conf\.?|new|promise[d]?|commit(?:ted|ment)?|revised)?\s*date|"
        r"confirmed|week|cw|kw",
    ),
]
_ROLES = [(role, re.compile(rf"^(?:{pattern})$", re.I)) for role, pattern in _ROLE_PATTERNS]
DATE_ROLES = {
    "ship": CommitmentKind.SHIP,
    "deliver": CommitmentKind.DELIVER,
    "ready": CommitmentKind.READY,
    "date": CommitmentKind.UNSPECIFIED,
}
_RULE = re.compile(r"^[\s|+:=-]+$")


@dataclass(frozen=True)
class TableRow:
    """One row of a text table: its verbatim line and its cells by role."""

    start: int
    end: int
    text: str
    cells: dict[str, str]


def _split(line: str) -> tuple[list[str], str]:
    if "|" in line:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        return cells, "|"
    if "\t" in line:
        return [c.strip() for c in line.split("\t") if c.strip()], "\t"
    return [c.strip() for c in re.split(r"\s{2,}", line.strip()) if c.strip()], " "


def _role(cell: str) -> str | None:
    name = re.sub(r"\(.*?\)", " ", cell.lower())
    name = re.sub(r"[\s_]+", " ", name).strip().strip(".:").strip()
    for role, pattern in _ROLES:
        if pattern.match(name):
            return role
    return None


def _header_roles(cells: list[str]) -> list[str | None] | None:
    roles = [_role(cell) for cell in cells]
    has_ref = any(r in ("po", "line", "item", "sku") for r in roles)
    has_date = any(r in DATE_ROLES for r in roles)
    if len(cells) >= 3 and has_ref and has_date:
        return roles
    return None


def _positions(line: str, cells: list[str]) -> list[int]:
    positions, cursor = [], 0
    for cell in cells:
        index = line.find(cell, cursor)
        positions.append(index)
        cursor = index + len(cell)
    return positions


def _fixed_width(line: str, positions: list[int]) -> list[str]:
    bounds = [*positions[1:], len(line) + 1]
    return [line[a:b].strip() for a, b in zip([0, *positions[1:]], bounds, strict=False)]


def find_tables(text: str) -> tuple[list[TableRow], set[int]]:
    """Rows of every text table in `text`, and the line numbers the tables occupy."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    rows: list[TableRow] = []
    used: set[int] = set()
    i = 0
    while i < len(lines):
        cells, sep = _split(lines[i])
        roles = _header_roles(cells)
        if roles is None:
            i += 1
            continue
        used.add(i)
        positions = _positions(lines[i], cells)
        j = i + 1
        while j < len(lines) and lines[j].strip():
            if _RULE.match(lines[j]):
                used.add(j)
                j += 1
                continue
            values, row_sep = _split(lines[j])
            if len(values) != len(cells) and sep == " " and row_sep == " ":
                values = _fixed_width(lines[j], positions)
            if len(values) != len(cells) or row_sep != sep:
                break
            item_roles = _item_roles(roles, values)
            mapped = {r: v for r, v in zip(item_roles, values, strict=True) if r and v}
            start = offsets[j] + len(lines[j]) - len(lines[j].lstrip())
            rows.append(
                TableRow(start, offsets[j] + len(lines[j].rstrip()), lines[j].strip(), mapped)
            )
            used.add(j)
            j += 1
        i = j
    return rows, used


def _item_roles(roles: list[str | None], values: list[str]) -> list[str | None]:
    """An "Item" column is a PO line when it holds small numbers, else a part number."""
    result: list[str | None] = []
    for role, value in zip(roles, values, strict=True):
        if role == "item":
            role = "line" if re.fullmatch(r"\d{1,4}", value.strip()) else "sku"
        result.append(role)
    return result
