"""The import report: counts, exit code, JSON shape, handler refusals pinned to columns."""

from __future__ import annotations

from backorder.adapters.csv_import.reader import RowError
from backorder.adapters.csv_import.report import ImportReport, refusal


def test_exit_code_and_rejected_rows_count_rows_not_errors() -> None:
    report = ImportReport("items", "items.csv", rows_read=4, rows_loaded=2)
    assert report.exit_code == 0
    report.errors = [
        RowError(3, "unit_cost", "x", "not a number"),
        RowError(3, "list_price", "y", "not a number"),
        RowError(5, "", "a,b", "has 2 values, the header has 3 columns"),
    ]
    assert (report.rows_rejected, report.exit_code) == (2, 1)
    data = report.to_dict()
    assert data["rows_rejected"] == 2
    assert data["errors"][0] == {
        "row": 3,
        "field": "unit_cost",
        "value": "x",
        "reason": "not a number",
    }


def test_refusals_are_pinned_to_the_first_column_the_field_path_names() -> None:
    values = {"sku": "A", "substitutes": "B:1", "location": "EAST"}
    assert refusal(2, values, "items[0].substitutes[1].sku", "unknown").field == "substitutes"
    assert refusal(2, values, "purchase_order.lines[0].sku", "unknown").value == "A"
    assert refusal(2, values, "levels[3].location", "unknown").field == "location"
    assert refusal(2, values, "order", "refused") == RowError(2, "", "", "refused")
