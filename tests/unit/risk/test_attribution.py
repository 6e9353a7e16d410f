"""Path attributions add up to LightGBM's raw score and agree with TreeSHAP where they must."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from backorder.risk.attribution import (
    UnsupportedTreeError,
    goes_left,
    parse_trees,
    path_contributions,
)
from backorder.risk.explain import contributions


def _data(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 5))
    x[rng.random(x.shape) < 0.15] = np.nan
    x[rng.random(x.shape) < 0.15] = 0.0
    return x


def _labels(x: np.ndarray) -> np.ndarray:
    return (np.nan_to_num(x[:, 0]) - np.nan_to_num(x[:, 1]) + np.isnan(x[:, 2]) > 0.6).astype(float)


@pytest.fixture(scope="module", params=["nan_missing", "zero_missing", "no_missing"])
def booster(request: pytest.FixtureRequest) -> lgb.Booster:
    x = _data(3000, 1)
    params = {"objective": "binary", "verbosity": -1, "num_threads": 1, "num_leaves": 31}
    if request.param == "zero_missing":
        params["zero_as_missing"] = True
    if request.param == "no_missing":
        params["use_missing"] = False
    return lgb.train(params, lgb.Dataset(x, _labels(x)), 30)


def test_contributions_add_up_to_the_raw_score(booster: lgb.Booster) -> None:
    x = _data(500, 2)
    contrib = path_contributions(parse_trees(booster.model_to_string()), x)
    assert contrib.shape == (500, 6)
    np.testing.assert_allclose(contrib.sum(axis=1), booster.predict(x, raw_score=True), atol=1e-9)


def test_the_expectation_is_treeshap_s(booster: lgb.Booster) -> None:
    x = _data(50, 3)
    path = path_contributions(parse_trees(booster.model_to_string()), x)
    shap = booster.predict(x, pred_contrib=True)
    np.testing.assert_allclose(path[:, -1], shap[:, -1], atol=1e-9)


def test_stumps_are_credited_exactly_as_treeshap_credits_them() -> None:
    x = _data(2000, 4)
    stumps = lgb.train(
        {"objective": "binary", "verbosity": -1, "num_leaves": 2, "num_threads": 1},
        lgb.Dataset(x, _labels(x)),
        20,
    )
    sample = _data(100, 5)
    path = path_contributions(parse_trees(stumps.model_to_string()), sample)
    np.testing.assert_allclose(path, stumps.predict(sample, pred_contrib=True), atol=1e-9)


def test_mixed_contributions_keep_treeshap_for_the_first_trees(booster: lgb.Booster) -> None:
    x = _data(200, 6)
    mixed = contributions(booster, x, exact_trees=10)
    np.testing.assert_allclose(mixed.sum(axis=1), booster.predict(x, raw_score=True), atol=1e-9)
    first = booster.predict(x, pred_contrib=True, num_iteration=10)
    later = path_contributions(parse_trees(booster.model_to_string(start_iteration=10)), x)
    np.testing.assert_allclose(mixed, first + later, atol=1e-12)
    everything = contributions(booster, x)
    np.testing.assert_allclose(everything, booster.predict(x, pred_contrib=True))
    np.testing.assert_allclose(contributions(booster, x, exact_trees=999), everything)


def test_missing_values_follow_lightgbm_s_rules() -> None:
    value = np.array([np.nan, 0.0, 1e-40, 0.5, 2.0, np.nan, 0.0, np.nan])
    threshold = np.full(8, 1.0)
    nan_default_right = np.full(8, 2 << 2)
    assert goes_left(value, threshold, nan_default_right).tolist() == [
        False, True, True, True, False, False, True, False,
    ]  # fmt: skip
    zero_default_right = np.full(8, 1 << 2)
    assert not goes_left(value, threshold, zero_default_right)[[0, 1, 2, 6, 7]].any()
    none_threshold_negative = np.full(8, 0)
    assert goes_left(value, np.full(8, -1.0), none_threshold_negative).tolist() == [False] * 8


def test_categorical_trees_are_refused_and_explained_by_treeshap() -> None:
    x = np.random.default_rng(3).integers(0, 5, size=(500, 2)).astype(float)
    y = (x[:, 0] == 2).astype(float)
    categorical = lgb.train(
        {"objective": "binary", "verbosity": -1, "min_data_per_group": 5, "cat_smooth": 1},
        lgb.Dataset(x, y, categorical_feature=[0]),
        5,
    )
    with pytest.raises(UnsupportedTreeError):
        parse_trees(categorical.model_to_string())
    np.testing.assert_allclose(
        contributions(categorical, x, exact_trees=2), categorical.predict(x, pred_contrib=True)
    )
