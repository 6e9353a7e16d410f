"""Cell conventions: whole numbers, decimals with a dot, yes/no, ISO dates, e-mail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from backorder.adapters.csv_import.fields import (
    MAX_INT,
    RowFields,
    to_bool,
    to_date,
    to_datetime,
    to_decimal,
    to_int,
)
from backorder.adapters.csv_import.reader import SourceRow


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("12", 12), ("+3", 3)])
def test_whole_numbers(text: str, value: int) -> None:
    assert to_int(text) == value


@pytest.mark.parametrize(
    ("text", "minimum", "reason"),
    [
        ("1.5", None, "must be a whole number"),
        ("1,000", None, "must be a whole number"),
        ("ten", None, "not a number"),
        ("1_000", None, "not a number"),
        ("-1", 0, "must be at least 0"),
        (str(MAX_INT + 1), None, f"must be at most {MAX_INT}"),
    ],
)
def test_bad_whole_numbers_say_why(text: str, minimum: int | None, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        to_int(text, minimum)


def test_decimals_use_a_dot() -> None:
    assert to_decimal("99.50") == 99.5
    assert to_decimal(".5") == 0.5
    with pytest.raises(ValueError, match="use a dot as the decimal separator"):
        to_decimal("99,50")
    with pytest.raises(ValueError, match="not a number"):
        to_decimal("nan")
    with pytest.raises(ValueError, match="must be at least 0"):
        to_decimal("-1")
    with pytest.raises(ValueError, match="must be greater than 0"):
        to_decimal("0", positive=True)


@pytest.mark.parametrize(("text", "value"), [("yes", True), ("No", False), ("YES", True)])
def test_booleans_are_yes_or_no(text: str, value: bool) -> None:
    assert to_bool(text) is value


@pytest.mark.parametrize("text", ["true", "1", "y", "ja"])
def test_other_booleans_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="must be yes or no"):
        to_bool(text)


def test_dates_and_instants_are_iso_8601() -> None:
    assert to_date("2026-12-01") == date(2026, 12, 1)
    with pytest.raises(ValueError, match=r"not an ISO date \(YYYY-MM-DD\)"):
        to_date("01/12/2026")
    assert to_datetime("2026-11-26T08:00:00") == datetime(2026, 11, 26, 8, tzinfo=UTC)
    plus_one = to_datetime("2026-11-26T08:00:00+01:00")
    assert plus_one.utcoffset() == timedelta(hours=1)
    assert plus_one == datetime(2026, 11, 26, 8, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(ValueError, match="not an ISO date-time"):
        to_datetime("yesterday")


def test_row_fields_collect_every_problem_of_a_row() -> None:
    fields = RowFields(SourceRow(7, {"code": "", "name": "x" * 11, "mail": "nobody", "n": "2"}))
    assert fields.text("code", required=True, max_length=10) is None
    assert fields.text("name", max_length=10) is None
    assert fields.email("mail", max_length=50) is None
    assert fields.integer("n", minimum=1) == 2
    assert fields.integer("absent") is None  # a column left out of the file: not given
    assert [(e.row, e.field, e.value, e.reason) for e in fields.errors] == [
        (7, "code", "", "is required"),
        (7, "name", "x" * 11, "longer than 10 characters"),
        (7, "mail", "nobody", "not an e-mail address"),
    ]
    assert not fields.ok
