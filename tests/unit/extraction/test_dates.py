"""Date phrases resolved against the message date (Wednesday 20 November 2024 unless noted)."""

from __future__ import annotations

import datetime as dt

import pytest

from backorder.risk.extraction.date_grammar import find_date_spans
from backorder.risk.extraction.dates import DateContext, DateResolution, infer_day_first, resolve
from backorder.risk.extraction.model import DatePrecision

WEDNESDAY = dt.datetime(2024, 11, 20, 9, 30)


def read(phrase: str, base: dt.datetime = WEDNESDAY, past: bool = False) -> DateResolution:
    spans = find_date_spans(phrase)
    assert len(spans) == 1, spans
    resolution = resolve(spans[0], DateContext(base), past)
    assert resolution is not None, phrase
    return resolution


@pytest.mark.parametrize(
    ("phrase", "latest"),
    [
        ("end of next week", "2024-11-29"),
        ("in 10 days", "2024-11-30"),
        ("Monday", "2024-11-25"),
        ("next Tuesday", "2024-11-26"),
        ("mid-December", "2024-12-20"),
        ("EOM", "2024-11-30"),
        ("within two weeks", "2024-12-04"),
        ("week 48", "2024-11-29"),
        ("KW 48", "2024-11-29"),
        ("CW48", "2024-11-29"),
        ("early January", "2025-01-10"),
        ("Thursday next week", "2024-11-28"),
        ("next week", "2024-11-29"),
        ("tomorrow", "2024-11-21"),
        ("Dec 5", "2024-12-05"),
        ("5th of December", "2024-12-05"),
        ("2024-12-06", "2024-12-06"),
        ("06.12.2024", "2024-12-06"),
        ("the week of Dec 9", "2024-12-13"),
        ("within 10 working days", "2024-12-04"),
        ("in 3-4 weeks", "2024-12-18"),
        ("first week of January", "2025-01-07"),
        ("end of the month", "2024-11-30"),
        ("the 15th", "2024-12-15"),
        ("Dec 5-6", "2024-12-06"),
    ],
)
def test_phrases_resolve_to_the_latest_day_they_allow(phrase: str, latest: str) -> None:
    assert read(phrase).latest.isoformat() == latest


def test_windows_keep_their_earliest_day_and_precision() -> None:
    week = read("end of next week")
    assert (week.earliest, week.precision) == (dt.date(2024, 11, 28), DatePrecision.WEEK)
    month = read("early January")
    assert (month.earliest, month.precision) == (dt.date(2025, 1, 1), DatePrecision.PART_OF_MONTH)


def test_week_numbers_roll_into_next_year_late_in_the_year() -> None:
    assert read("KW 2", dt.datetime(2024, 12, 10)).latest == dt.date(2025, 1, 10)
    assert read("KW 05/2025", dt.datetime(2025, 1, 8)).latest == dt.date(2025, 1, 31)


def test_vague_phrases_name_no_date() -> None:
    for phrase in ("soon", "asap", "TBC", "in the coming weeks", "in a few days"):
        spans = find_date_spans(phrase)
        assert spans, phrase
        assert resolve(spans[0], DateContext(WEDNESDAY)) is None, phrase


def test_past_tense_reads_weekdays_backwards() -> None:
    assert read("Monday", past=True).latest == dt.date(2024, 11, 18)


def test_dates_before_the_message_lose_confidence() -> None:
    stale = read("Nov 18")
    assert stale.latest == dt.date(2024, 11, 18)
    assert stale.factor <= 0.5


def test_next_weekday_in_the_same_week_is_flagged_ambiguous() -> None:
    on_monday = read("next Tuesday", dt.datetime(2024, 11, 18))
    assert on_monday.factor < 0.8


def test_numeric_order_comes_from_the_message() -> None:
    spans = find_date_spans("ship 12/11, deliver 12/16")
    assert infer_day_first(spans) == (False, True)
    spans = find_date_spans("dispatch 22/01/2025 and 05/02/2025")
    day_first, known = infer_day_first(spans)
    assert (day_first, known) == (True, True)
    feb = resolve(spans[1], DateContext(WEDNESDAY, day_first, known))
    assert feb is not None
    assert feb.latest == dt.date(2025, 2, 5)


def test_ambiguous_numeric_dates_lower_confidence() -> None:
    assert read("12/05").factor < 0.8


def test_numbers_that_are_not_dates_are_left_alone() -> None:
    assert find_date_spans("2.5 kg of resin at 12.40 USD, 60% of the order") == []
    assert find_date_spans("we may ship it") == []


def test_weekday_that_contradicts_the_date_is_flagged() -> None:
    assert read("Friday, Dec 5").factor < 0.8  # 5 December 2024 is a Thursday
