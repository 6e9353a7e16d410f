"""Reading a CSV file into numbered rows: encoding, header check, row shape.

The file as a whole is either usable or not (`FileError`: missing, not UTF-8 text, not
CSV, wrong headers). Once the header is right, every problem belongs to one row and is a
`RowError`, so good rows can still load.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class FileError(Exception):
    """The file cannot be imported at all; the message says why."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row (line `row` of the file, header = 1) was not loaded."""

    row: int
    field: str  # the column at fault; "" when the row as a whole is wrong
    value: str
    reason: str
    source_line_id: str | None = None  # the source system's line id (orders), for the report


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a file kind."""

    name: str
    required: bool = False
    help: str = ""


@dataclass(frozen=True, slots=True)
class FileSpec:
    """The columns a file kind may have; `key` names the columns that identify a row."""

    kind: str
    columns: tuple[Column, ...]
    key: str

    @property
    def names(self) -> tuple[str, ...]:
        """All column names, in documented order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Columns that must be in the header and filled in on every row."""
        return tuple(c.name for c in self.columns if c.required)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row: its line number and its values (stripped) by column name."""

    number: int
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A file's data rows, and the rows whose shape was already wrong."""

    columns: tuple[str, ...]
    rows: list[SourceRow]
    errors: list[RowError]

    @property
    def rows_read(self) -> int:
        """Data rows in the file (blank lines are not rows)."""
        return len(self.rows) + len({e.row for e in self.errors})


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileError(f"{path}: is a directory, not a CSV file") from None
    except OSError as error:
        raise FileError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            f"{path}: not UTF-8 text (bad byte at offset {error.start}); is it a CSV file?"
        ) from None
    if "\x00" in text:
        raise FileError(f"{path}: contains NUL bytes; it is a binary file, not CSV")
    return text


def _check_header(path: Path, header: list[str], spec: FileSpec) -> tuple[str, ...]:
    names = [name.strip().lower() for name in header]
    problems = []
    if "" in names:
        problems.append(f"empty column name at position {names.index('') + 1}")
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        problems.append(f"duplicate columns: {', '.join(duplicates)}")
    unknown = [n for n in names if n and n not in spec.names]
    if unknown:
        hint = ""
        if len(names) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " (is the file comma-separated?)"
        problems.append(f"unknown columns: {', '.join(unknown)}{hint}")
    missing = [n for n in spec.required if n not in names]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if problems:
        raise FileError(
            f"{path}: {'; '.join(problems)}. A {spec.kind} file has the columns "
            f"{','.join(spec.names)} (required: {','.join(spec.required)})"
        )
    return tuple(names)


def read_table(path: Path, spec: FileSpec) -> CsvTable:
    """The data rows of `path`, checked against `spec`'s header; raises `FileError`."""
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise FileError(f"{path}: empty file; expected the header {','.join(spec.names)}")
        columns = _check_header(path, header, spec)
        rows: list[SourceRow] = []
        errors: list[RowError] = []
        previous_line = reader.line_num
        for record in reader:
            number, previous_line = previous_line + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue  # a blank line (or only separators) carries no data
            if len(record) > len(columns) and not any(v.strip() for v in record[len(columns) :]):
                record = record[: len(columns)]  # trailing empty cells, as spreadsheets write
            if len(record) != len(columns):
                errors.append(
                    RowError(
                        number,
                        "",
                        ",".join(record),
                        f"has {len(record)} values, the header has {len(columns)} columns",
                    )
                )
                continue
            values = {name: value.strip() for name, value in zip(columns, record, strict=True)}
            rows.append(SourceRow(number, values))
    except csv.Error as error:
        raise FileError(f"{path}: line {reader.line_num}: not valid CSV ({error})") from None
    return CsvTable(columns, rows, errors)
