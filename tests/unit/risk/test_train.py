import dataclasses
import json

import lightgbm as lgb
import numpy as np
import pytest

from backorder.risk.boosting import Job, checkpoints, fit_all
from backorder.risk.features import feature_matrix
from backorder.risk.kaggle import Snapshots, parse_kaggle_text
from backorder.risk.train import (
    TrainedRiskModel,
    TrainingDataError,
    split_rows,
    train_risk_model,
)
from tests.unit.risk.conftest import FAST
from tests.unit.risk.synthetic import synthetic_csv


def test_partitions_are_disjoint_complete_and_stratified(labelled: Snapshots) -> None:
    assert labelled.went_on_backorder is not None
    outcome = labelled.went_on_backorder
    part = split_rows(outcome, FAST)
    fit, calibration, test = set(part.fit), set(part.calibration), set(part.test)
    assert not fit & calibration
    assert not fit & test
    assert not calibration & test
    assert len(fit | calibration | test) == len(labelled)
    assert len(test) == pytest.approx(0.2 * len(labelled), abs=1)
    assert len(calibration) == pytest.approx(0.1 * len(labelled), abs=1)
    rate = outcome.mean()
    for rows in (part.fit, part.calibration, part.test):
        assert outcome[rows].mean() == pytest.approx(rate, abs=0.005)
    again = split_rows(outcome, FAST)
    assert np.array_equal(again.test, part.test)


def test_report_has_cross_validation_and_held_out_figures(trained: TrainedRiskModel) -> None:
    report = trained.report
    assert [f.fold for f in report.folds] == [1, 2, 3]
    assert {c.negative_bagging for c in report.candidates} == {0.3, 1.0}
    assert report.chosen.pr_auc == max(c.pr_auc for c in report.candidates)
    assert report.cv_roc_auc > 0.75
    assert report.holdout.roc_auc > 0.75
    assert report.holdout.pr_auc > 2 * report.holdout.observed_rate
    assert report.partitions["test"]["rows"] == report.holdout.rows
    assert sum(part["rows"] for part in report.partitions.values()) == 5000


def test_calibrated_probabilities_match_the_observed_rate_on_held_out_rows(
    trained: TrainedRiskModel,
) -> None:
    held = trained.report.holdout
    assert held.mean_probability == pytest.approx(held.observed_rate, abs=0.015)
    assert held.brier < held.observed_rate * (1 - held.observed_rate)  # beats the base rate


def test_training_is_deterministic_for_a_seed(
    labelled: Snapshots, trained: TrainedRiskModel
) -> None:
    again = train_risk_model(labelled, FAST)
    assert again.booster_text == trained.booster_text
    assert again.calibrator == trained.calibrator
    other = train_risk_model(labelled, dataclasses.replace(FAST, seed=12))
    assert other.booster_text != trained.booster_text


def test_sku_has_no_influence_on_the_model(labelled: Snapshots, trained: TrainedRiskModel) -> None:
    renamed = dataclasses.replace(labelled, sku=np.array([f"Z{i}" for i in range(len(labelled))]))
    assert train_risk_model(renamed, FAST).booster_text == trained.booster_text


def test_progress_is_reported_up_to_done(labelled: Snapshots) -> None:
    seen: list[tuple[str, float]] = []
    train_risk_model(labelled, FAST, lambda stage, share: seen.append((stage, share)))
    shares = [share for _, share in seen]
    assert shares[-1] == 1.0
    assert shares == sorted(shares)
    assert any(stage.startswith("cross-validating") for stage, _ in seen)


def test_metadata_is_json_and_complete(trained: TrainedRiskModel) -> None:
    metadata = trained.metadata("f" * 64, "train.csv")
    text = json.dumps(metadata)
    assert "NaN" not in text
    assert metadata["training_data"] == {
        "name": "train.csv",
        "sha256": "f" * 64,
        "rows": 5000,
        "positives": sum(p["positives"] for p in trained.report.partitions.values()),
    }
    assert metadata["features"] == list(trained.feature_names)
    assert set(metadata["psi_reference"]) == set(trained.feature_names)
    assert metadata["parameters"]["num_boost_round"] == trained.report.chosen.rounds
    assert metadata["metrics"]["holdout"]["rows"] == 1000


def test_training_needs_labels_and_both_classes() -> None:
    unlabelled = parse_kaggle_text(synthetic_csv(100, label=False))
    with pytest.raises(TrainingDataError, match="went_on_backorder"):
        train_risk_model(unlabelled, FAST)
    labelled = parse_kaggle_text(synthetic_csv(100))
    assert labelled.went_on_backorder is not None
    no_positives = dataclasses.replace(
        labelled, went_on_backorder=np.zeros(len(labelled), dtype=bool)
    )
    with pytest.raises(TrainingDataError, match="at least"):
        train_risk_model(no_positives, FAST)


def test_the_model_is_one_booster_with_broad_then_detail_trees(trained: TrainedRiskModel) -> None:
    booster = lgb.Booster(model_str=trained.booster_text)
    chosen = trained.report.chosen
    assert booster.num_trees() == chosen.rounds
    assert chosen.rounds in checkpoints(FAST)
    parameters = trained.parameters
    assert parameters["broad_rounds"] + parameters["detail_rounds"] == chosen.rounds
    assert parameters["broad"]["num_leaves"] == FAST.broad_leaves
    assert parameters["detail"]["num_leaves"] == FAST.detail_leaves


def test_checkpoints_follow_the_broad_stage() -> None:
    settings = dataclasses.replace(FAST, broad_rounds=30, max_rounds=65, checkpoint_every=10)
    assert checkpoints(settings) == [30, 40, 50, 60, 65]
    assert checkpoints(dataclasses.replace(settings, max_rounds=20)) == [20]


def test_parallel_fits_equal_sequential_ones(labelled: Snapshots) -> None:
    assert labelled.went_on_backorder is not None
    matrix = feature_matrix(labelled)[:2000]
    outcome = labelled.went_on_backorder[:2000]
    rows = np.arange(2000)
    jobs = [Job(rows[:1500], 1.0, rows[1500:]), Job(rows[500:], 0.3, rows[:500]), Job(rows, 1.0)]
    settings = dataclasses.replace(FAST, max_rounds=40)
    alone = fit_all(matrix, outcome, jobs, settings)
    together = fit_all(matrix, outcome, jobs, dataclasses.replace(settings, threads=3))
    for one, other in zip(alone, together, strict=True):
        assert one.booster.model_to_string() == other.booster.model_to_string()
        np.testing.assert_array_equal(one.checkpoint_odds, other.checkpoint_odds)
    assert alone[0].checkpoint_odds.shape == (len(checkpoints(settings)), 500)
    assert alone[2].checkpoint_odds.shape == (len(checkpoints(settings)), 0)


def test_held_out_fold_calibration_keeps_its_rows_from_the_booster(labelled: Snapshots) -> None:
    model = train_risk_model(labelled, dataclasses.replace(FAST, calibration="held_out_fold"))
    rows = {name: part["rows"] for name, part in model.report.partitions.items()}
    assert rows == {"fit": 3500, "calibration": 500, "test": 1000}
    assert model.report.calibration.rows == 500
    assert model.report.holdout.roc_auc > 0.75
