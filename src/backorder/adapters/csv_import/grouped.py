"""Files whose rows form documents (orders, purchase orders): grouping and all-or-nothing.

Rows are grouped by their document key wherever they are in the file. A document that is
stored already is skipped whole; a document with any bad row is rejected whole, every bad
row keeps its own errors and every good row of it gets one saying why it was not loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from backorder.adapters.csv_import.fields import RowFields
from backorder.adapters.csv_import.parsed import (
    Lookup,
    Parsed,
    check_references,
    parse_table,
    referenced,
)
from backorder.adapters.csv_import.reader import CsvTable, RowError

T = TypeVar("T")


@dataclass
class Group(Generic[T]):
    """The rows of one document, in file order."""

    key: str
    rows: list[int] = field(default_factory=list)  # every data row with this key
    parsed: list[Parsed[T]] = field(default_factory=list)  # those that parsed


@dataclass(frozen=True)
class DocumentKind(Generic[T]):
    """A file kind whose rows form documents: how to parse, check and name them."""

    noun: str  # "order", "purchase order"
    key_column: str  # the column grouping rows into documents
    parse_row: Callable[[RowFields], Parsed[T] | None]
    check: Callable[[Group[T]], list[RowError]]  # rows that do not fit their document
    line_number: Callable[[T], int]

    @property
    def plural(self) -> str:
        """Prefix of the report's counters, e.g. `purchase_orders`."""
        return self.noun.replace(" ", "_") + "s"

    def lines(self, group: Group[T]) -> list[Parsed[T]]:
        """The document's good rows by line number (the order handlers number lines in)."""
        return sorted(group.parsed, key=lambda p: self.line_number(p.value))


@dataclass(frozen=True)
class Settled(Generic[T]):
    """Which documents to load, which are stored already, and the errors to report."""

    accepted: list[Group[T]]
    skipped: list[Group[T]]
    rejected: list[Group[T]]
    errors: list[RowError]


def group_rows(table: CsvTable, key_column: str, parsed: Iterable[Parsed[T]]) -> list[Group[T]]:
    """Groups by the key column as written; rows without a key belong to none."""
    by_row = {p.row: p for p in parsed}
    groups: dict[str, Group[T]] = {}
    for row in table.rows:
        key = row.values.get(key_column, "")
        if not key:
            continue
        group = groups.setdefault(key, Group(key))
        group.rows.append(row.number)
        if row.number in by_row:
            group.parsed.append(by_row[row.number])
    return list(groups.values())


def validate_documents(
    table: CsvTable,
    kind: DocumentKind[T],
    lookup: Lookup,
    stored: Callable[[list[str]], Set[str]],
) -> Settled[T]:
    """Documents to load, those stored already (`stored` says which), those rejected whole."""
    parsed = parse_table(table, kind.parse_row)
    groups = group_rows(table, kind.key_column, parsed.parsed)
    errors = list(parsed.errors)
    for group in groups:
        errors.extend(kind.check(group))
    known = stored([g.key for g in groups])
    live = [p for g in groups if g.key not in known for p in g.parsed]
    errors.extend(check_references(live, lookup(referenced(live))).errors)
    return settle(groups, errors, known, key_column=kind.key_column, noun=kind.noun)


def refused_document(
    group: Group[T],
    kind: DocumentKind[T],
    field_path: str | None,
    refusal: Callable[[int], RowError],
) -> list[RowError]:
    """Errors for a document a handler refused: on the line its field path names, or all rows.

    A field path like `lines[2].sku` names the document's third line by line number.
    """
    line = _line_position(field_path)
    by_line = [p.row for p in kind.lines(group)]
    # Without a line the refusal is about the document as a whole (e.g. its customer).
    culprits = [by_line[line]] if line is not None and line < len(by_line) else list(group.rows)
    notes = rejected_whole(group, culprits, kind.key_column, kind.noun)
    return [*(refusal(row) for row in culprits), *notes]


def _line_position(field_path: str | None) -> int | None:
    match = re.search(r"\blines\[(\d+)\]", field_path or "")
    return int(match.group(1)) if match else None


def duplicate_lines(group: Group[T], line_number: Callable[[T], int], noun: str) -> list[RowError]:
    """Errors for rows repeating a line number of their document."""
    first: dict[int, int] = {}
    errors = []
    for p in group.parsed:
        number = line_number(p.value)
        if number in first:
            errors.append(
                RowError(
                    p.row,
                    "line_number",
                    str(number),
                    f"{noun} {group.key!r} already has line {number} (file line {first[number]})",
                )
            )
        else:
            first[number] = p.row
    return errors


def differing(
    group: Group[T], column: str, value: Callable[[T], object], noun: str
) -> list[RowError]:
    """Errors for rows whose `column` differs from the first row of the document giving it."""
    given = [(p, value(p.value)) for p in group.parsed if value(p.value) is not None]
    if not given:
        return []
    head, expected = given[0]
    return [
        RowError(
            p.row,
            column,
            str(found),
            f"{noun} {group.key!r} has {column} {expected!s} (file line {head.row})",
        )
        for p, found in given[1:]
        if found != expected
    ]


def settle(
    groups: Sequence[Group[T]],
    errors: Iterable[RowError],
    stored: Set[str],
    *,
    key_column: str,
    noun: str,
) -> Settled[T]:
    """Skip stored documents, reject those with a bad row, accept the rest."""
    errors = list(errors)
    bad_rows = {e.row for e in errors}
    skipped_rows: set[int] = set()
    accepted, skipped, rejected = [], [], []
    notes: list[RowError] = []
    for group in groups:
        if group.key in stored:
            skipped.append(group)
            skipped_rows.update(group.rows)
            continue
        bad = [row for row in group.rows if row in bad_rows]
        if not bad:
            accepted.append(group)
            continue
        rejected.append(group)
        notes.extend(rejected_whole(group, bad, key_column, noun))
    kept = [e for e in errors if e.row not in skipped_rows]
    return Settled(accepted, skipped, rejected, kept + notes)


def in_batches(groups: Sequence[Group[T]], rows: int) -> list[list[Group[T]]]:
    """Consecutive documents, about `rows` rows per batch; a document is never split."""
    batches: list[list[Group[T]]] = []
    size = rows
    for group in groups:
        if size >= rows:
            batches.append([])
            size = 0
        batches[-1].append(group)
        size += len(group.rows)
    return batches


def rejected_whole(
    group: Group[T], bad: Sequence[int], key_column: str, noun: str
) -> list[RowError]:
    """The note for each good row of a document rejected because of rows `bad`."""
    lines = ", ".join(str(row) for row in bad)
    reason = f"{noun} {group.key!r} rejected as a whole: file line(s) {lines} have errors"
    return [RowError(row, key_column, group.key, reason) for row in group.rows if row not in bad]
