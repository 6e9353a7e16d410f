"""The compiled forest scores exactly like LightGBM, and steps aside where it cannot."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from backorder.risk import native
from backorder.risk.forest import UnsupportedModelError, compile_forest, generate_c
from backorder.risk.kaggle import Snapshots
from backorder.risk.predict import COMPILED_FROM_ROWS, RiskModel


def _data(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 6))
    x[rng.random(x.shape) < 0.15] = np.nan
    x[rng.random(x.shape) < 0.15] = 0.0
    return x


@pytest.fixture(scope="module", params=["nan_missing", "zero_missing", "no_missing"])
def booster(request: pytest.FixtureRequest) -> lgb.Booster:
    x = _data(4000, 1)
    y = (np.nan_to_num(x[:, 0]) - np.nan_to_num(x[:, 1]) + np.isnan(x[:, 2]) > 0.6).astype(float)
    params = {"objective": "binary", "verbosity": -1, "num_threads": 1, "num_leaves": 15}
    if request.param == "zero_missing":
        params["zero_as_missing"] = True
    if request.param == "no_missing":
        params["use_missing"] = False
    return lgb.train(params, lgb.Dataset(x, y), 40)


def test_raw_scores_equal_lightgbm_bit_for_bit(booster: lgb.Booster, tmp_path: Path) -> None:
    compiled = compile_forest(booster.model_to_string(), threads=2)
    assert compiled is not None
    x = _data(50_000, 2)  # big enough to be split over two threads
    expected = booster.predict(x, raw_score=True)
    assert np.array_equal(compiled.raw_score(x), expected)
    with pytest.raises(ValueError, match="columns"):
        compiled.raw_score(x[:, :3])


def test_single_leaf_trees_and_constant_models() -> None:
    x = np.zeros((100, 2))
    y = np.zeros(100)
    y[:3] = 1
    booster = lgb.train({"objective": "binary", "verbosity": -1}, lgb.Dataset(x, y), 3)
    compiled = compile_forest(booster.model_to_string())
    assert compiled is not None
    assert np.allclose(compiled.raw_score(x), booster.predict(x, raw_score=True))


def test_categorical_models_are_left_to_lightgbm() -> None:
    x = np.random.default_rng(3).integers(0, 5, size=(500, 2)).astype(float)
    y = (x[:, 0] == 2).astype(float)
    booster = lgb.train(
        {"objective": "binary", "verbosity": -1, "min_data_per_group": 5, "cat_smooth": 1},
        lgb.Dataset(x, y, categorical_feature=[0]),
        5,
    )
    with pytest.raises(UnsupportedModelError):
        generate_c(booster.model_to_string())
    assert compile_forest(booster.model_to_string()) is None


def test_without_a_compiler_scoring_falls_back_to_lightgbm(
    risk_model: RiskModel, labelled: Snapshots, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKORDER_RISK_KERNEL_DIR", str(tmp_path / "kernels"))
    monkeypatch.setenv("CC", "no-such-compiler")
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    monkeypatch.setattr(native, "_loaded", {})
    model = RiskModel.from_parts(
        risk_model.version,
        risk_model.booster_text,
        risk_model.calibrator.to_json(),
        risk_model.metadata,
    )
    assert model.compiled() is None
    matrix = model.matrix(labelled)
    big = np.tile(matrix, (COMPILED_FROM_ROWS // len(labelled) + 1, 1))
    assert np.allclose(model.log_odds(big)[: len(labelled)], risk_model.log_odds(matrix))


def test_big_batches_use_the_compiled_trees_with_the_same_probabilities(
    risk_model: RiskModel, labelled: Snapshots
) -> None:
    matrix = risk_model.matrix(labelled)
    big = np.tile(matrix, (COMPILED_FROM_ROWS // len(labelled) + 1, 1))
    assert risk_model.compiled() is not None
    lightgbm = risk_model.booster.predict(big, raw_score=True)
    assert np.array_equal(risk_model.log_odds(big), lightgbm)
