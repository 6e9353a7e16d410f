import csv
from pathlib import Path

import numpy as np
import pytest

from backorder.risk import predict
from backorder.risk.explain import LOWERS, RAISES
from backorder.risk.kaggle import Snapshots, parse_kaggle_text
from backorder.risk.predict import (
    SCORE_COLUMNS,
    ModelMismatchError,
    RiskModel,
    RiskScores,
    drift,
    evaluate,
    score,
    write_scores_csv,
)
from backorder.risk.train import TrainedRiskModel
from tests.unit.risk.synthetic import synthetic_csv


@pytest.fixture(scope="module")
def fresh() -> Snapshots:
    return parse_kaggle_text(synthetic_csv(600, seed=99, label=False))


def test_scores_are_probabilities_with_reasons_and_the_model_version(
    risk_model: RiskModel, fresh: Snapshots
) -> None:
    scores = score(risk_model, fresh)
    assert scores.model_version == "v0001"
    assert scores.sku.tolist() == fresh.sku.tolist()
    assert ((scores.probability > 0) & (scores.probability < 1)).all()
    assert scores.explained_rows == 600
    assert all(text.endswith((RAISES, LOWERS)) for text in scores.reasons[:, 0])
    riskiest = int(np.argmax(scores.probability))
    assert scores.reasons[riskiest, 0].endswith(RAISES)


def test_explaining_only_the_riskiest_rows(risk_model: RiskModel, fresh: Snapshots) -> None:
    full = score(risk_model, fresh)
    capped = score(risk_model, fresh, explain_top=25)
    assert capped.explained_rows == 25
    np.testing.assert_array_equal(capped.probability, full.probability)
    explained = capped.reasons[:, 0] != ""
    assert explained.sum() == 25
    assert capped.probability[explained].min() >= capped.probability[~explained].max()
    assert (capped.reasons[explained] == full.reasons[explained]).all()


def test_scores_csv_records_the_version(
    risk_model: RiskModel, fresh: Snapshots, tmp_path: Path
) -> None:
    out = tmp_path / "scores.csv"
    write_scores_csv(score(risk_model, fresh, explain_top=10), out)
    with out.open(newline="") as stream:
        lines = list(csv.reader(stream))
    assert tuple(lines[0]) == SCORE_COLUMNS
    assert len(lines) == 601
    assert {line[5] for line in lines[1:]} == {"v0001"}
    assert all(0.0 <= float(line[1]) <= 1.0 for line in lines[1:])


def test_evaluation_reports_figures_drift_and_version(
    risk_model: RiskModel, labelled: Snapshots
) -> None:
    assert labelled.went_on_backorder is not None
    result = evaluate(risk_model, labelled).to_json()
    assert result["model_version"] == "v0001"
    assert result["rows"] == 5000
    assert result["positives"] == int(labelled.went_on_backorder.sum())
    assert 0.5 < result["roc_auc"] <= 1.0
    assert 0.0 < result["pr_auc"] <= 1.0
    assert 0.0 < result["brier"] < 0.1
    assert result["drifted_features"] == []


def test_evaluation_needs_outcomes(risk_model: RiskModel, fresh: Snapshots) -> None:
    with pytest.raises(ValueError, match="went_on_backorder"):
        evaluate(risk_model, fresh)


def test_drift_flags_a_shifted_population(risk_model: RiskModel, fresh: Snapshots) -> None:
    assert not any(item.drifted for item in drift(risk_model, fresh))
    doubled = {name: column * 4.0 for name, column in fresh.values.items()}
    shifted = Snapshots(sku=fresh.sku, values=doubled, went_on_backorder=None)
    flagged = {item.feature for item in drift(risk_model, shifted) if item.drifted}
    assert {"national_inv", "forecast_3_month"} <= flagged


def test_a_model_with_unknown_features_is_refused(trained: TrainedRiskModel) -> None:
    metadata = trained.metadata("0" * 64, "x.csv")
    metadata["features"] = [*metadata["features"], "weather"]
    with pytest.raises(ModelMismatchError, match="weather"):
        RiskModel.from_parts("v0009", trained.booster_text, trained.calibrator.to_json(), metadata)


def test_scoring_in_slices_gives_the_same_probabilities(
    risk_model: RiskModel, fresh: Snapshots, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = risk_model.probability(risk_model.matrix(fresh))
    monkeypatch.setattr(predict, "SCORE_CHUNK", 64)
    np.testing.assert_array_equal(predict.probabilities(risk_model, fresh), whole)


def test_scores_file_reads_back_as_written_with_quoting_where_needed(tmp_path: Path) -> None:
    scores = RiskScores(
        sku=np.asarray(["A-1", 'B,"2"', "C 3"]),
        probability=np.asarray([0.1234567, 0.5, 0.25]),
        reasons=np.asarray(
            [["", "", ""], ['on hand covers 0.2 weeks, "thin"', "b", ""], ["", "", ""]],
            dtype=object,
        ),
        model_version="v0002",
        explained_rows=1,
    )
    out = tmp_path / "scores.csv"
    write_scores_csv(scores, out)
    with out.open(newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [
        list(SCORE_COLUMNS),
        ["A-1", "0.123457", "", "", "", "v0002"],
        ['B,"2"', "0.5", 'on hand covers 0.2 weeks, "thin"', "b", "", "v0002"],
        ["C 3", "0.25", "", "", "", "v0002"],
    ]
