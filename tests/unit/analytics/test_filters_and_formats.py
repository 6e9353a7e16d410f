"""Period filters, number formats, SVG charts and the OCEL helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from backorder.analytics import charts
from backorder.analytics.filters import KpiFilter
from backorder.analytics.ocel import _iso, _joined
from backorder.analytics.snapshot import make_filter
from backorder.service_layer.errors import InvalidInputError
from backorder.web.rendering import duration, num, pct

TODAY = date(2026, 11, 27)


def test_a_filter_defaults_to_the_four_weeks_to_today() -> None:
    where = make_filter(TODAY)
    assert (where.start, where.end, where.days) == (date(2026, 10, 31), TODAY, 28)
    assert make_filter(TODAY, start=date(2026, 11, 1)).end == date(2026, 11, 28)
    assert make_filter(TODAY, end=date(2026, 11, 10)).start == date(2026, 10, 14)
    assert make_filter(TODAY, region="  ").region is None
    assert make_filter(TODAY, region=" east ").region == "east"


def test_a_filter_refuses_a_backward_or_huge_period() -> None:
    with pytest.raises(InvalidInputError) as backward:
        make_filter(TODAY, start=date(2026, 11, 10), end=date(2026, 11, 1))
    assert backward.value.field == "end"
    with pytest.raises(InvalidInputError):
        make_filter(TODAY, start=date(2020, 1, 1), end=TODAY)
    with pytest.raises(ValueError, match="before it starts"):
        KpiFilter(TODAY, TODAY - timedelta(days=1))


def test_the_previous_period_has_the_same_length_and_scope() -> None:
    where = KpiFilter(date(2026, 11, 1), date(2026, 11, 30), tier="strategic")
    before = where.previous()
    assert (before.start, before.end, before.tier) == (
        date(2026, 10, 2),
        date(2026, 10, 31),
        "strategic",
    )
    assert where.scoped
    assert not KpiFilter(TODAY, TODAY).scoped


def test_numbers_read_well() -> None:
    assert (pct(0.9531), pct(None), pct(1 / 3, 0)) == ("95.3%", "—", "33%")
    assert (num(1234567.891), num(None), num(2.5, 1)) == ("1,234,568", "—", "2.5")
    assert duration(3 * 86400 + 7200) == "3 d 2 h"
    assert duration(-(3600 + 20 * 60)) == "1 h 20 min"
    assert duration(59) == "0 min"


def test_svg_charts_escape_labels_and_leave_gaps() -> None:
    svg = charts.bars([("<b>", 3.0), ("ok", 1.0)], label="a & b")
    assert svg.startswith("<svg")
    assert "&lt;b&gt;" in svg
    assert "<title>a &amp; b</title>" in svg
    line = charts.line([("w1", 0.5), ("w2", None), ("w3", 0.75)], label="fill")
    assert line.count("<polyline") == 2  # the missing week breaks the line
    assert (
        charts.diverging([("2026-11", -60.0), ("2026-12", 50.0)], label="net").count("<rect") == 2
    )
    assert "<rect" not in charts.bars([], label="nothing")


def test_ocel_times_are_utc_iso_and_members_are_comma_joined() -> None:
    assert _iso(date(2026, 11, 27)) == "2026-11-27T00:00:00Z"
    assert _iso(datetime(2026, 11, 27, 9, 30)) == "2026-11-27T09:30:00Z"
    plus_two = datetime(2026, 11, 27, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    assert _iso(plus_two) == "2026-11-27T09:30:00Z"
    assert _iso(datetime(2026, 11, 27, tzinfo=UTC)) == "2026-11-27T00:00:00Z"
    assert "".join(_joined(iter(["a", "b", "c"]))) == "a,b,c"
    assert "".join(_joined(iter([]))) == ""
