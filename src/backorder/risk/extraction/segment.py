"""Text blocks to units (prose, bullets, headings, key-value records) and sentences.

Offsets always point into the block text, so evidence is a verbatim slice of it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)]|[a-z][.)]|\(\w\))\s+")
_KEY_VALUE = re.compile(r"^\s*(?P<key>[A-Za-z][\w.#/()' -]{0,28}?)\s*:\s*\S")
_HEADING = re.compile(r":\s*$")
_WRAP_WIDTH = 60  # a prose line at least this long was probably wrapped by the mail client
_ABBREVIATIONS = frozenset(
    [
        "no",
        "nr",
        "approx",
        "pcs",
        "pc",
        "qty",
        "ea",
        "dec",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "e.g",
        "i.e",
        "etc",
        "p.o",
        "po",
        "mr",
        "ms",
        "mrs",
        "dr",
        "inc",
        "ltd",
        "co",
        "vs",
        "wk",
        "art",
        "ref",
        "pos",
        "st",
        "ca",
        "cw",
        "kw",
        "fig",
        "tel",
        "att",
    ]
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Unit:
    """A piece of a block: one sentence, bullet, heading or key-value record."""

    start: int
    end: int
    text: str
    kind: str  # "prose", "bullet", "heading" or "record"
    paragraph: int


@dataclass
class _Line:
    start: int
    end: int
    text: str
    kind: str
    paragraph: int
    key: str | None = None


def _classify(text: str) -> tuple[str, str | None]:
    if _BULLET.match(text):
        return "bullet", None
    stripped = text.strip()
    if _HEADING.search(stripped) and len(stripped) <= 80:
        return "heading", None
    kv = _KEY_VALUE.match(text)
    if kv and len(kv.group("key").split()) <= 4 and len(stripped) <= 80:
        if any(ch.isdigit() for ch in kv.group("key")):
            return "bullet", None  # "Item 10: ..." / "PO 4500...: ..." is a line item, not a field
        return "record", kv.group("key").strip().lower()
    return "prose", None


def _lines(text: str, skip: set[int]) -> list[_Line]:
    lines: list[_Line] = []
    paragraph, offset = 0, 0
    for index, raw in enumerate(text.split("\n")):
        start, offset = offset, offset + len(raw) + 1
        if index in skip or not raw.strip():
            paragraph += 1
            continue
        kind, key = _classify(raw)
        lines.append(_Line(start, start + len(raw), raw, kind, paragraph, key))
    return lines


def _join(current: _Line, line: _Line) -> bool:
    """Should `line` continue the unit `current`?"""
    if line.paragraph != current.paragraph:
        return False
    if current.kind == "record":
        seen = (current.key or "").split("|")
        return line.kind == "record" and line.key is not None and line.key not in seen
    if line.kind != "prose":
        return False
    if current.kind == "bullet":
        return line.text[:1].isspace() or len(current.text.split("\n")[-1]) >= _WRAP_WIDTH
    return current.kind == "prose" and len(current.text.split("\n")[-1]) >= _WRAP_WIDTH


def split_units(text: str, skip: set[int] | None = None) -> list[Unit]:
    """Group lines into units; `skip` holds line numbers already read (e.g. table rows)."""
    merged: list[_Line] = []
    for line in _lines(text, skip or set()):
        if merged and _join(merged[-1], line):
            last = merged[-1]
            keys = f"{last.key or ''}|{line.key or ''}" if last.kind == "record" else last.key
            merged[-1] = _Line(
                last.start, line.end, text[last.start : line.end], last.kind, last.paragraph, keys
            )
        else:
            merged.append(line)
    units: list[Unit] = []
    for item in merged:
        if item.kind in ("prose", "bullet"):
            units.extend(_sentences(text, item))
        else:
            units.append(_unit(text, item.start, item.end, item.kind, item.paragraph))
    return units


def _unit(text: str, start: int, end: int, kind: str, paragraph: int) -> Unit:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    return Unit(start + lead, start + lead + len(body), body, kind, paragraph)


def _sentences(text: str, line: _Line) -> list[Unit]:
    """Split prose (or a bullet) into sentences, not at abbreviations like "approx." or "No."."""
    chunk = text[line.start : line.end]
    cuts = [0]
    for match in _SENTENCE_END.finditer(chunk):
        before = chunk[: match.start() + 1]
        word = re.search(r"([\w.]+)\.$", before)
        initial = len(word.group(1)) == 1 and word.group(1).isalpha() if word else False
        if word and (word.group(1).lower() in _ABBREVIATIONS or initial):
            continue
        cuts.append(match.end())
    cuts.append(len(chunk))
    units: list[Unit] = []
    for a, b in itertools.pairwise(cuts):
        unit = _unit(text, line.start + a, line.start + b, line.kind, line.paragraph)
        if unit.text:
            units.append(unit)
    return units
