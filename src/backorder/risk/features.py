"""Features of the backorder-risk model, each with the plain words its explanation uses.

Every feature is one line in `FEATURES`: a name, what it measures, and a template that
renders its value for a planner ("on hand covers 0.2 weeks of forecast"). Ratios whose
denominator is zero are NaN ("unknown"), which LightGBM routes to the better side of a
split, rather than an arbitrary large number. The `sku` is never a feature: it identifies
a row, and a model that learned it would only memorise the training file.

Lead time is taken to be in weeks and a three-month forecast to cover 13 weeks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backorder.risk.kaggle import FloatArray, Snapshots

WEEKS_PER_QUARTER = 13.0


@dataclass(frozen=True)
class Feature:
    """One model input: how it is computed and how its value reads in plain words."""

    name: str
    meaning: str
    template: str
    unknown: str
    compute: Callable[[Snapshots], FloatArray]
    is_flag: bool = False

    def describe(self, value: float) -> str:
        """The value in plain words, e.g. "supplier on-time rate 61%"."""
        if np.isnan(value):
            return self.unknown
        if self.is_flag:
            return self.template if value >= 0.5 else self.unknown
        return self.template.format(value=value + 0.0)  # + 0.0 turns -0.0 into 0.0


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _column(name: str) -> Callable[[Snapshots], FloatArray]:
    return lambda rows: rows.column(name)


def _weekly_forecast(rows: Snapshots) -> FloatArray:
    return rows.column("forecast_3_month") / WEEKS_PER_QUARTER


def _supply(rows: Snapshots) -> FloatArray:
    return rows.column("national_inv") + rows.column("in_transit_qty")


def _raw(name: str, meaning: str, template: str, unknown: str = "") -> Feature:
    return Feature(name, meaning, template, unknown or f"{name} unknown", _column(name))


def _flag(name: str, meaning: str, when_set: str, when_clear: str) -> Feature:
    return Feature(name, meaning, when_set, when_clear, _column(name), is_flag=True)


FEATURES: tuple[Feature, ...] = (
    _raw("national_inv", "units on hand", "on hand {value:,.0f} units"),
    _raw(
        "lead_time", "supplier lead time, weeks", "lead time {value:.0f} weeks", "lead time unknown"
    ),
    _raw("in_transit_qty", "units in transit", "in transit {value:,.0f} units"),
    _raw("forecast_3_month", "forecast, next 3 months", "3-month forecast {value:,.0f} units"),
    _raw("forecast_6_month", "forecast, next 6 months", "6-month forecast {value:,.0f} units"),
    _raw("forecast_9_month", "forecast, next 9 months", "9-month forecast {value:,.0f} units"),
    _raw("sales_1_month", "sales, last month", "sold {value:,.0f} units last month"),
    _raw("sales_3_month", "sales, last 3 months", "sold {value:,.0f} units in 3 months"),
    _raw("sales_6_month", "sales, last 6 months", "sold {value:,.0f} units in 6 months"),
    _raw("sales_9_month", "sales, last 9 months", "sold {value:,.0f} units in 9 months"),
    _raw("min_bank", "minimum stock to keep", "minimum bank {value:,.0f} units"),
    _raw("pieces_past_due", "supplier pieces past due", "{value:,.0f} pieces past due"),
    _raw(
        "perf_6_month_avg",
        "supplier on-time rate, 6 months",
        "supplier on-time rate {value:.0%} (6 months)",
        "supplier on-time rate unknown",
    ),
    _raw(
        "perf_12_month_avg",
        "supplier on-time rate, 12 months",
        "supplier on-time rate {value:.0%} (12 months)",
        "supplier on-time rate unknown",
    ),
    _raw(
        "local_bo_qty",
        "units already on local backorder",
        "{value:,.0f} units already on local backorder",
    ),
    _flag(
        "potential_issue",
        "source issue flagged",
        "potential source issue flagged",
        "no potential source issue",
    ),
    _flag("deck_risk", "part risk flag: deck", "deck risk flagged", "no deck risk"),
    _flag(
        "oe_constraint",
        "part risk flag: OE constraint",
        "OE constraint flagged",
        "no OE constraint",
    ),
    _flag("ppap_risk", "part risk flag: PPAP", "PPAP risk flagged", "no PPAP risk"),
    _flag(
        "stop_auto_buy",
        "automatic buying stopped",
        "automatic buying stopped",
        "automatic buying active",
    ),
    _flag("rev_stop", "revision stop", "revision stop flagged", "no revision stop"),
    Feature(
        "weeks_of_cover",
        "on-hand units / weekly forecast",
        "on hand covers {value:.1f} weeks of forecast",
        "no forecast demand to cover",
        lambda rows: _ratio(rows.column("national_inv"), _weekly_forecast(rows)),
    ),
    Feature(
        "weeks_of_supply",
        "(on hand + in transit) / weekly forecast",
        "on hand and in transit cover {value:.1f} weeks of forecast",
        "no forecast demand to cover",
        lambda rows: _ratio(_supply(rows), _weekly_forecast(rows)),
    ),
    Feature(
        "cover_beyond_lead_time",
        "weeks of supply minus lead time",
        "supply lasts {value:+.1f} weeks beyond the lead time",
        "no forecast or lead time to compare",
        lambda rows: _ratio(_supply(rows), _weekly_forecast(rows)) - rows.column("lead_time"),
    ),
    Feature(
        "weeks_of_sales_cover",
        "on-hand units / weekly sales of the last 3 months",
        "on hand covers {value:.1f} weeks of recent sales",
        "no recent sales",
        lambda rows: _ratio(
            rows.column("national_inv"), rows.column("sales_3_month") / WEEKS_PER_QUARTER
        ),
    ),
    Feature(
        "sales_trend",
        "last month's sales / monthly average of the last 3 months",
        "last month's sales at {value:.0%} of the 3-month pace",
        "no sales in 3 months",
        lambda rows: _ratio(3.0 * rows.column("sales_1_month"), rows.column("sales_3_month")),
    ),
    Feature(
        "forecast_to_sales",
        "3-month forecast / sales of the last 3 months",
        "forecast is {value:.0%} of recent sales",
        "no recent sales",
        lambda rows: _ratio(rows.column("forecast_3_month"), rows.column("sales_3_month")),
    ),
    Feature(
        "forecast_trend",
        "3-month forecast / average quarter of the 9-month forecast",
        "next quarter's forecast at {value:.0%} of the 9-month pace",
        "no 9-month forecast",
        lambda rows: _ratio(3.0 * rows.column("forecast_3_month"), rows.column("forecast_9_month")),
    ),
    Feature(
        "past_due_share",
        "pieces past due / 3-month forecast",
        "pieces past due are {value:.0%} of 3-month forecast",
        "no forecast to compare",
        lambda rows: _ratio(rows.column("pieces_past_due"), rows.column("forecast_3_month")),
    ),
    Feature(
        "min_bank_gap",
        "on-hand units minus minimum bank",
        "on hand {value:+,.0f} units against the minimum bank",
        "minimum bank unknown",
        lambda rows: rows.column("national_inv") - rows.column("min_bank"),
    ),
    Feature(
        "supplier_trend",
        "6-month minus 12-month supplier on-time rate",
        "supplier on-time rate {value:+.0%} against its 12-month average",
        "supplier on-time trend unknown",
        lambda rows: rows.column("perf_6_month_avg") - rows.column("perf_12_month_avg"),
    ),
)
FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
FEATURES_BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}


def feature_matrix(rows: Snapshots, names: tuple[str, ...] = FEATURE_NAMES) -> FloatArray:
    """The model inputs as a (rows, features) float64 matrix, columns in `names` order."""
    matrix = np.empty((len(rows), len(names)), dtype=np.float64)
    for position, name in enumerate(names):
        matrix[:, position] = FEATURES_BY_NAME[name].compute(rows)
    return matrix
