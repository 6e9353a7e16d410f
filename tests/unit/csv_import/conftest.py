"""Helpers for the CSV parsing tests: write a file, read it against a file kind's spec."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backorder.adapters.csv_import.parsed import Known, RefKind
from backorder.adapters.csv_import.reader import CsvTable, FileSpec, read_table

ReadCsv = Callable[[FileSpec, str], CsvTable]


@pytest.fixture
def read_csv(tmp_path: Path) -> ReadCsv:
    """Write `text` (lines joined as written) to a file and read it against `spec`."""

    def read(spec: FileSpec, text: str) -> CsvTable:
        path = tmp_path / f"{spec.kind}.csv"
        path.write_bytes(text.encode("utf-8"))
        return read_table(path, spec)

    return read


def lookup_of(**known: set[str]) -> Callable[[dict[RefKind, set[str]]], Known]:
    """A lookup that knows the given keys, e.g. `lookup_of(item={"A"}, location={"EAST"})`."""

    def lookup(wanted: dict[RefKind, set[str]]) -> Known:
        return {kind: known.get(kind.value, set()) & keys for kind, keys in wanted.items()}

    return lookup
