"""Reading a file: header checks name the columns, rows keep their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder.adapters.csv_import import locations
from backorder.adapters.csv_import.reader import FileError, read_table
from tests.unit.csv_import.conftest import ReadCsv

SPEC = locations.SPEC


def test_rows_are_numbered_by_file_line_with_the_header_as_line_1(read_csv: ReadCsv) -> None:
    table = read_csv(SPEC, "code,name,region\nEAST,East,east\nWEST,West,west\n")
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[1].values == {"code": "WEST", "name": "West", "region": "west"}
    assert table.rows_read == 2


def test_a_byte_order_mark_is_not_part_of_the_first_column(read_csv: ReadCsv) -> None:
    table = read_csv(SPEC, "\ufeffcode,region\nEAST,east\n")
    assert table.rows[0].values["code"] == "EAST"


def test_header_names_ignore_case_and_spaces_and_optional_columns_may_be_left_out(
    read_csv: ReadCsv,
) -> None:
    table = read_csv(SPEC, " Code , REGION\n EAST , east \n")
    assert table.columns == ("code", "region")
    assert table.rows[0].values == {"code": "EAST", "region": "east"}


def test_blank_lines_are_skipped_and_quoted_line_breaks_keep_the_numbering(
    read_csv: ReadCsv,
) -> None:
    table = read_csv(SPEC, 'code,name,region\n\nEAST,"East\nDC",east\n,,\nWEST,West,west\n')
    assert [row.number for row in table.rows] == [3, 6]
    assert table.rows[0].values["name"] == "East\nDC"


def test_a_row_with_the_wrong_number_of_values_is_a_row_error(read_csv: ReadCsv) -> None:
    table = read_csv(SPEC, "code,name,region\nEAST,East\nWEST,West,west,,\nX,Y,z,extra\n")
    assert [row.number for row in table.rows] == [3]  # trailing empty cells are tolerated
    assert [(e.row, e.field, e.reason) for e in table.errors] == [
        (2, "", "has 2 values, the header has 3 columns"),
        (4, "", "has 4 values, the header has 3 columns"),
    ]
    assert table.rows_read == 3


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("code,region,colour,size", "unknown columns: colour, size"),
        ("code,name", "missing required columns: region"),
        ("code,region,code", "duplicate columns: code"),
        ("code,,region", "empty column name at position 2"),
        ("code;name;region", "(is the file comma-separated?)"),
    ],
)
def test_header_problems_make_the_file_unusable_and_name_the_columns(
    read_csv: ReadCsv, header: str, message: str
) -> None:
    with pytest.raises(FileError, match=r"required: code,region") as raised:
        read_csv(SPEC, header + "\nEAST,east\n")
    assert message in str(raised.value)


def test_an_empty_file_is_unusable(read_csv: ReadCsv) -> None:
    with pytest.raises(FileError, match="empty file; expected the header code,name,region"):
        read_csv(SPEC, "\n\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"code,region\nEAST,\xff\xfe\n", "not UTF-8 text"),
        (b"code,region\x00\n", "binary file"),
    ],
)
def test_files_that_are_not_csv_text_are_unusable(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(FileError, match=message):
        read_table(path, SPEC)


def test_missing_files_and_directories_are_unusable(tmp_path: Path) -> None:
    with pytest.raises(FileError, match="no such file"):
        read_table(tmp_path / "missing.csv", SPEC)
    with pytest.raises(FileError, match="is a directory"):
        read_table(tmp_path, SPEC)
