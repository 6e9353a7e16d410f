"""The compiled CSV reader reads what the exact parser reads, and steps aside otherwise."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from backorder.risk import csv_kernel, kaggle, native
from backorder.risk.csv_kernel import CellKind, parse_plain_csv
from backorder.risk.kaggle import KaggleValueError, Snapshots, parse_kaggle_bytes
from tests.unit.risk.synthetic import synthetic_csv

KINDS = [CellKind.TEXT, CellKind.NUMBER, CellKind.NUMBER_OR_EMPTY, CellKind.FLAG]


def _exact(text: str) -> Snapshots:
    """The same text through the cell-by-cell parser only."""
    header_line, _, body = text.partition("\n")
    header = kaggle._check_header(header_line, "<exact>")
    body = body[: kaggle._end_of_data(body, kaggle._FOOTER, " \t\n")]
    return kaggle._parse_exact(body, header, "<exact>")


def _same(left: Snapshots, right: Snapshots) -> None:
    assert left.sku.tolist() == right.sku.tolist()
    for name in left.values:
        assert np.array_equal(left.values[name], right.values[name], equal_nan=True), name
    if left.went_on_backorder is None:
        assert right.went_on_backorder is None
    else:
        assert right.went_on_backorder is not None
        assert left.went_on_backorder.tolist() == right.went_on_backorder.tolist()


@pytest.mark.parametrize("label", [True, False])
def test_reads_a_file_exactly_as_the_cell_by_cell_parser(label: bool) -> None:
    text = synthetic_csv(2000, seed=3, footer=True, label=label)
    _same(parse_kaggle_bytes(text.encode()), _exact(text))


def test_rows_split_over_threads_come_back_in_file_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_kernel, "MIN_BYTES_PER_THREAD", 1000)
    body = "".join(f"sku-{row},{row}.5,,{'Yes' if row % 3 else 'No'}\n" for row in range(5000))
    table = parse_plain_csv(body.encode(), KINDS, threads=4)
    assert table is not None
    assert table.rows == 5000
    assert table.texts[0][[0, 4999]].tolist() == ["sku-0", "sku-4999"]
    assert np.array_equal(table.numbers[1], np.arange(5000) + 0.5)
    assert np.isnan(table.numbers[2]).all()
    assert table.numbers[3][:3].tolist() == [0.0, 1.0, 1.0]


def test_numbers_read_to_the_same_double_as_python() -> None:
    cells = ["0.62", "-20", "+7", "1e3", "2.5E-4", ".5", "5.", "123456789012345", "0.1"]
    body = "".join(f"s,{cell},,No\n" for cell in cells).encode()
    table = parse_plain_csv(body, KINDS)
    assert table is not None
    assert table.numbers[1].tolist() == [float(cell) for cell in cells]


@pytest.mark.parametrize(
    "cell", [" 5", "5 ", "1_000", "nan", "inf", "1e999", "0x10", "1e", "-", "", "1,5"]
)
def test_a_cell_it_cannot_vouch_for_is_left_to_the_exact_parser(cell: str) -> None:
    assert parse_plain_csv(f"a,1,,No\nb,{cell},,Yes\n".encode(), KINDS) is None


@pytest.mark.parametrize("row", ["a,1,,Maybe", "a,1,,No,extra", "a,1,", "é,1,,No", ",1,,No"])
def test_a_row_it_cannot_vouch_for_is_left_to_the_exact_parser(row: str) -> None:
    assert parse_plain_csv(f"z,1,,No\n{row}\n".encode(), KINDS) is None


def test_a_wrong_cell_is_still_named_with_its_line_and_column() -> None:
    lines = synthetic_csv(50, seed=4).splitlines()
    cells = lines[31].split(",")
    cells[1] = "lots"
    lines[31] = ",".join(cells)
    with pytest.raises(KaggleValueError) as raised:
        parse_kaggle_bytes("\n".join(lines).encode(), "file.csv")
    assert "line 32" in str(raised.value)
    assert "national_inv" in str(raised.value)


def test_spaces_around_cells_still_parse_through_the_exact_path() -> None:
    lines = synthetic_csv(20, seed=5).splitlines()
    lines[3] = lines[3].replace(",", " , ")
    rows = parse_kaggle_bytes("\n".join(lines).encode())
    assert len(rows) == 20
    _same(rows, _exact("\n".join(lines)))


def test_without_a_compiler_files_are_still_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKORDER_RISK_KERNEL_DIR", str(tmp_path / "kernels"))
    monkeypatch.setenv("CC", "no-such-compiler")
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    monkeypatch.setattr(native, "_loaded", {})
    text = synthetic_csv(300, seed=6)
    assert parse_plain_csv(text.partition("\n")[2].encode(), KINDS) is None
    rows = parse_kaggle_bytes(text.encode())
    _same(rows, _exact(text))
    assert not math.isnan(rows.column("national_inv")[0])
