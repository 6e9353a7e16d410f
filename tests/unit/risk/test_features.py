import math

import numpy as np
import pytest

from backorder.risk.features import FEATURE_NAMES, FEATURES, FEATURES_BY_NAME, feature_matrix
from backorder.risk.kaggle import SCHEMA_COLUMNS, parse_kaggle_text

HEADER = ",".join(SCHEMA_COLUMNS)
# on hand 2, forecast 130 per quarter (10 a week), lead time 8 weeks, supplier 61%
COVERED = "A,2,8.0,3,130,260,390,20,60,120,180,12,No,13,0.61,0.70,0,No,No,No,Yes,No,No"
NO_DEMAND = "B,5,,0,0,0,0,0,0,0,0,0,No,0,-99,-99,0,Yes,No,No,Yes,No,No"


def _matrix() -> np.ndarray:
    return feature_matrix(parse_kaggle_text(f"{HEADER}\n{COVERED}\n{NO_DEMAND}\n"))


def _value(matrix: np.ndarray, row: int, name: str) -> float:
    return float(matrix[row, FEATURE_NAMES.index(name)])


def test_sku_and_label_are_never_features() -> None:
    assert "sku" not in FEATURE_NAMES
    assert "went_on_backorder" not in FEATURE_NAMES
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_every_feature_is_documented_with_a_template() -> None:
    for feature in FEATURES:
        assert feature.meaning
        assert "\n" not in feature.meaning
        assert feature.unknown
        assert feature.describe(float("nan")) == feature.unknown
        assert feature.describe(1.0)


def test_coverage_features() -> None:
    matrix = _matrix()
    expected = {
        "weeks_of_cover": 0.2,
        "weeks_of_supply": 0.5,
        "cover_beyond_lead_time": -7.5,
        "min_bank_gap": -10.0,
        "past_due_share": 0.1,
        "sales_trend": 1.0,
        "supplier_trend": -0.09,
    }
    for name, value in expected.items():
        assert _value(matrix, 0, name) == pytest.approx(value), name


def test_ratios_over_zero_are_unknown_not_infinite() -> None:
    matrix = _matrix()
    assert np.isfinite(matrix[~np.isnan(matrix)]).all()
    for name in ("weeks_of_cover", "sales_trend", "forecast_to_sales", "cover_beyond_lead_time"):
        assert math.isnan(_value(matrix, 1, name))
    assert math.isnan(_value(matrix, 1, "perf_6_month_avg"))


def test_plain_words() -> None:
    matrix = _matrix()
    cover = FEATURES_BY_NAME["weeks_of_cover"]
    assert cover.describe(_value(matrix, 0, "weeks_of_cover")) == (
        "on hand covers 0.2 weeks of forecast"
    )
    supplier = FEATURES_BY_NAME["perf_6_month_avg"]
    assert supplier.describe(0.61) == "supplier on-time rate 61% (6 months)"
    assert supplier.describe(float("nan")) == "supplier on-time rate unknown"
    assert FEATURES_BY_NAME["lead_time"].describe(8.0) == "lead time 8 weeks"
    flag = FEATURES_BY_NAME["deck_risk"]
    assert flag.describe(1.0) == "deck risk flagged"
    assert flag.describe(0.0) == "no deck risk"
    assert FEATURES_BY_NAME["national_inv"].describe(1234.0) == "on hand 1,234 units"


def test_matrix_follows_the_requested_column_order() -> None:
    rows = parse_kaggle_text(f"{HEADER}\n{COVERED}\n")
    names = ("lead_time", "national_inv")
    assert feature_matrix(rows, names).tolist() == [[8.0, 2.0]]
