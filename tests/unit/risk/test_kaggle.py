import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from backorder.risk.kaggle import (
    SCHEMA_COLUMNS,
    KaggleSchemaError,
    KaggleValueError,
    file_fingerprint,
    parse_kaggle_text,
    read_kaggle_csv,
)
from tests.unit.risk.synthetic import synthetic_csv

HEADER = ",".join(SCHEMA_COLUMNS)
ROW_A = "1693864,3,52.0,0,0,0,0,0,0,1,1,0,No,0,-99.0,-99.0,0,Yes,No,Yes,Yes,No,No"
ROW_B = "2886916,-20,,5,10,20,30,1,3,6,9,2,Yes,4,0.62,0.73,1,No,Yes,No,No,Yes,Yes"


def _text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_reads_values_flags_and_label() -> None:
    rows = parse_kaggle_text(_text(ROW_A, ROW_B))
    assert rows.sku.tolist() == ["1693864", "2886916"]
    assert rows.column("national_inv").tolist() == [3.0, -20.0]
    assert rows.column("deck_risk").tolist() == [1.0, 0.0]
    assert rows.column("rev_stop").tolist() == [0.0, 1.0]
    assert rows.went_on_backorder is not None
    assert rows.went_on_backorder.tolist() == [False, True]


def test_minus_99_performance_and_empty_lead_time_are_unknown() -> None:
    rows = parse_kaggle_text(_text(ROW_A, ROW_B))
    assert math.isnan(rows.column("perf_6_month_avg")[0])
    assert math.isnan(rows.column("perf_12_month_avg")[0])
    assert rows.column("perf_6_month_avg")[1] == pytest.approx(0.62)
    assert rows.column("lead_time")[0] == 52.0
    assert math.isnan(rows.column("lead_time")[1])


@pytest.mark.parametrize(
    "footer",
    [
        "(242075 rows)" + "," * 22,
        '"(242,075 rows)"' + "," * 22,
        "(2 rows)",
    ],
)
def test_footer_row_of_the_official_files_is_skipped(footer: str) -> None:
    rows = parse_kaggle_text(_text(ROW_A, ROW_B, footer) + "\n\n")
    assert len(rows) == 2
    assert rows.sku.tolist() == ["1693864", "2886916"]


def test_footer_is_skipped_on_the_exact_path_too() -> None:
    quoted = '"1693864"' + ROW_A[len("1693864") :]
    rows = parse_kaggle_text(_text(quoted, ROW_B, "(2 rows)" + "," * 22))
    assert rows.sku.tolist() == ["1693864", "2886916"]


def test_label_is_optional_for_scoring() -> None:
    header = HEADER.removesuffix(",went_on_backorder")
    rows = parse_kaggle_text(_text(ROW_A.removesuffix(",No"), header=header))
    assert rows.went_on_backorder is None
    assert len(rows) == 1


def test_columns_may_come_in_any_order() -> None:
    names = list(SCHEMA_COLUMNS)
    cells = ROW_B.split(",")
    order = list(reversed(range(len(names))))
    text = _text(",".join(cells[i] for i in order), header=",".join(names[i] for i in order))
    rows = parse_kaggle_text(text)
    assert rows.sku.tolist() == ["2886916"]
    assert rows.column("pieces_past_due").tolist() == [4.0]


def test_schema_refusal_names_missing_and_unknown_columns() -> None:
    header = HEADER.replace("lead_time", "leadtime").replace(",rev_stop", "")
    with pytest.raises(KaggleSchemaError) as refused:
        parse_kaggle_text(_text(header=header), source="orders.csv")
    message = str(refused.value)
    assert "missing columns: lead_time, rev_stop" in message
    assert "unknown columns: leadtime" in message
    assert refused.value.missing == ["lead_time", "rev_stop"]
    assert refused.value.unknown == ["leadtime"]


def test_an_unrelated_file_is_refused() -> None:
    with pytest.raises(KaggleSchemaError, match="missing columns: sku, national_inv"):
        parse_kaggle_text("order_id,qty\n1,2\n")


@pytest.mark.parametrize(
    ("row", "column", "line"),
    [
        (ROW_B.replace(",5,10,", ",five,10,"), "in_transit_qty", 3),
        (ROW_B.replace("2886916,-20,", "2886916,,"), "national_inv", 3),
        (ROW_B.replace(",Yes,4,", ",Maybe,4,"), "potential_issue", 3),
        (ROW_B.replace(",Yes,4,", ",Yesterday,4,"), "potential_issue", 3),
        (ROW_B.removesuffix(",Yes") + ",", "went_on_backorder", 3),
        (ROW_B.replace(",1,No,Yes", ",inf,No,Yes"), "local_bo_qty", 3),
        (ROW_B.replace("2886916,", ","), "sku", 3),
    ],
)
def test_bad_value_names_line_and_column(row: str, column: str, line: int) -> None:
    with pytest.raises(KaggleValueError) as refused:
        parse_kaggle_text(_text(ROW_A, row), source="snap.csv")
    assert refused.value.column == column
    assert refused.value.line == line
    assert f"line {line}" in str(refused.value)
    assert repr(column) in str(refused.value)


def test_short_row_is_refused_with_its_line() -> None:
    with pytest.raises(KaggleValueError, match=r"line 2 .*has 22 fields, expected 23"):
        parse_kaggle_text(_text(ROW_A.removesuffix(",No")))


def test_crlf_quotes_and_whitespace_are_accepted() -> None:
    quoted = '"A-1, blue"' + ROW_B[len("2886916") :].replace(",Yes,4,", ", Yes ,4,")
    rows = parse_kaggle_text(_text(ROW_A, quoted).replace("\n", "\r\n"))
    assert rows.sku.tolist() == ["1693864", "A-1, blue"]
    assert rows.column("potential_issue").tolist() == [0.0, 1.0]


def test_long_skus_are_kept_whole() -> None:
    sku = "X" * 40
    rows = parse_kaggle_text(_text(sku + ROW_A[len("1693864") :]))
    assert rows.sku.tolist() == [sku]


def test_header_only_gives_no_rows() -> None:
    rows = parse_kaggle_text(_text())
    assert len(rows) == 0
    assert rows.went_on_backorder is not None


def test_gzip_and_plain_files_read_the_same(tmp_path: Path) -> None:
    text = synthetic_csv(300, footer=True)
    plain = tmp_path / "snap.csv"
    plain.write_text(text)
    packed = tmp_path / "snap.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    a, b = read_kaggle_csv(plain), read_kaggle_csv(packed)
    assert len(a) == len(b) == 300
    for name, column in a.values.items():
        np.testing.assert_array_equal(column, b.values[name])
    assert file_fingerprint(plain) != file_fingerprint(packed)
    assert len(file_fingerprint(plain)) == 64


def test_fast_and_exact_paths_agree() -> None:
    text = synthetic_csv(400)
    fast = parse_kaggle_text(text)
    # A quote anywhere sends the whole file down the cell-by-cell path.
    exact = parse_kaggle_text(text.replace("1000000,", '"1000000",', 1))
    assert fast.sku.tolist() == exact.sku.tolist()
    for name, column in fast.values.items():
        np.testing.assert_array_equal(column, exact.values[name])
    assert fast.went_on_backorder is not None
    assert exact.went_on_backorder is not None
    assert fast.went_on_backorder.tolist() == exact.went_on_backorder.tolist()


def test_take_selects_rows() -> None:
    rows = parse_kaggle_text(_text(ROW_A, ROW_B))
    picked = rows.take(np.array([1]))
    assert picked.sku.tolist() == ["2886916"]
    assert picked.went_on_backorder is not None
    assert picked.went_on_backorder.tolist() == [True]


def test_between_gives_views_of_a_row_range() -> None:
    rows = parse_kaggle_text(_text(ROW_A, ROW_B, ROW_A))
    middle = rows.between(1, 2)
    assert middle.sku.tolist() == ["2886916"]
    assert middle.column("national_inv").base is not None
