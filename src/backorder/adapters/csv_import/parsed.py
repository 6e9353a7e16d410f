"""Rows after parsing: typed values with their key and the references they make.

Checks that need more than one row (duplicate keys) or the database (references to
items, locations, suppliers, customers) work on these, still without any I/O: the caller
passes in which keys exist.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Generic, TypeVar

from backorder.adapters.csv_import.fields import RowFields
from backorder.adapters.csv_import.reader import CsvTable, FileSpec, RowError

T = TypeVar("T")


class RefKind(enum.StrEnum):
    """What a cell may refer to."""

    ITEM = "item"
    LOCATION = "location"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class Reference:
    """A cell (or a part of it) that names something that must exist."""

    field: str
    kind: RefKind
    key: str
    value: str  # the cell as written
    context: str = ""  # which part of a mini-syntax cell, e.g. "part 2 'B:1:yes': "


@dataclass(frozen=True, slots=True)
class Parsed(Generic[T]):
    """A row that parsed: its line number, its value and its key in the file."""

    row: int
    value: T
    key: str
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class ParseResult(Generic[T]):
    """Rows that parsed, and errors of those that did not."""

    parsed: list[Parsed[T]]
    errors: list[RowError]


Known = Mapping[RefKind, Set[str]]
# Given the keys a file refers to, by kind, which of them exist (the caller asks the database).
Lookup = Callable[[dict[RefKind, set[str]]], Known]


def parse_table(
    table: CsvTable, parse_row: Callable[[RowFields], Parsed[T] | None]
) -> ParseResult[T]:
    """Parse every row with `parse_row`; a row with any bad cell yields only its errors.

    Rows whose shape was wrong are the reader's (`table.errors`) and are not repeated here.
    """
    parsed: list[Parsed[T]] = []
    errors: list[RowError] = []
    for row in table.rows:
        fields = RowFields(row)
        result = parse_row(fields)
        errors.extend(fields.errors)
        if result is not None and fields.ok:
            parsed.append(result)
    return ParseResult(parsed, errors)


def drop_duplicates(parsed: Iterable[Parsed[T]], spec: FileSpec) -> ParseResult[T]:
    """The first row of each key; later rows with the same key are errors."""
    first: dict[str, int] = {}
    kept: list[Parsed[T]] = []
    errors: list[RowError] = []
    for p in parsed:
        if p.key in first:
            errors.append(RowError(p.row, spec.key, p.key, f"duplicate of line {first[p.key]}"))
            continue
        first[p.key] = p.row
        kept.append(p)
    return ParseResult(kept, errors)


def referenced(parsed: Iterable[Parsed[T]]) -> dict[RefKind, set[str]]:
    """Every key referred to, by kind."""
    wanted: dict[RefKind, set[str]] = {kind: set() for kind in RefKind}
    for p in parsed:
        for reference in p.references:
            wanted[reference.kind].add(reference.key)
    return wanted


def reference_errors(p: Parsed[T], known: Known) -> list[RowError]:
    """Errors for each reference of `p` to something not in `known`."""
    return [
        RowError(p.row, r.field, r.value, f"{r.context}unknown {r.kind.value} {r.key!r}")
        for r in p.references
        if r.key not in known.get(r.kind, ())
    ]


def check_references(parsed: Iterable[Parsed[T]], known: Known) -> ParseResult[T]:
    """Rows whose references all exist, and errors for the others."""
    good: list[Parsed[T]] = []
    errors: list[RowError] = []
    for p in parsed:
        found = reference_errors(p, known)
        if found:
            errors.extend(found)
        else:
            good.append(p)
    return ParseResult(good, errors)


def validate_rows(
    table: CsvTable,
    parse_row: Callable[[RowFields], Parsed[T] | None],
    spec: FileSpec,
    lookup: Lookup,
) -> ParseResult[T]:
    """Rows that parse, do not repeat an earlier row's key, and refer to things that exist."""
    parsed = parse_table(table, parse_row)
    unique = drop_duplicates(parsed.parsed, spec)
    checked = check_references(unique.parsed, lookup(referenced(unique.parsed)))
    return ParseResult(checked.parsed, [*parsed.errors, *unique.errors, *checked.errors])
