"""The risk model on the real Kaggle "product backorders" sample (../shared/data).

The file is kept out of the repository; these tests skip where it is absent. Training on
it takes about half a minute on two cores and is marked slow.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from backorder.adapters.model_store import FileModelStore
from backorder.entrypoints.cli.risk import risk_app
from backorder.risk.kaggle import file_fingerprint, read_kaggle_csv

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "../shared/data/kaggle-backorders-train-sample.csv.gz"

pytestmark = pytest.mark.skipif(
    not SAMPLE.exists(),
    reason=f"Kaggle sample not found at {SAMPLE.resolve()} (kept outside the repository)",
)


def test_the_sample_loads_as_documented() -> None:
    rows = read_kaggle_csv(SAMPLE)
    assert len(rows) == 209_715
    assert rows.went_on_backorder is not None
    assert int(rows.went_on_backorder.sum()) == 1_780
    assert int(np.isnan(rows.column("lead_time")).sum()) == 12_954
    assert not (rows.column("perf_6_month_avg") == -99).any()
    assert len(set(rows.sku.tolist())) == len(rows)


def test_the_official_footer_row_is_skipped(tmp_path: Path) -> None:
    text = gzip.decompress(SAMPLE.read_bytes()).decode()
    lines = text.splitlines()[:1001]
    with_footer = tmp_path / "with-footer.csv.gz"
    footer = "(1000 rows)" + "," * 22
    with_footer.write_bytes(gzip.compress(("\n".join([*lines, footer]) + "\n").encode()))
    rows = read_kaggle_csv(with_footer)
    assert len(rows) == 1000
    assert rows.sku[-1] == lines[-1].split(",")[0]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    models = tmp_path_factory.mktemp("kaggle") / "models"
    result = CliRunner().invoke(
        risk_app, ["train", "--data", str(SAMPLE), "--out", str(models), "--actor", "ci"]
    )
    assert result.exit_code == 0, result.output
    return models


@pytest.mark.slow
def test_trained_model_meets_its_held_out_figures(model_dir: Path) -> None:
    metadata = FileModelStore(model_dir).load().artifacts.metadata
    assert metadata["training_data"]["sha256"] == file_fingerprint(SAMPLE)
    assert metadata["training_data"]["rows"] == 209_715
    assert metadata["training_data"]["positives"] == 1_780
    assert "sku" not in metadata["features"]
    metrics = metadata["metrics"]
    held = metrics["holdout"]
    assert held["rows"] == 41_943
    # Published results on this data: ROC AUC 0.93-0.95, PR AUC 0.20-0.30.
    assert held["roc_auc"] > 0.93
    assert held["pr_auc"] > 0.24
    assert metrics["cv_mean"]["roc_auc"] > 0.93
    assert len(metrics["folds"]) == 3


@pytest.mark.slow
def test_calibration_is_sane_on_held_out_rows(model_dir: Path) -> None:
    held = FileModelStore(model_dir).load().artifacts.metadata["metrics"]["holdout"]
    # 0.85% backorder: the mean calibrated probability must land close to it.
    assert held["mean_probability"] == pytest.approx(held["observed_rate"], abs=0.0015)
    assert held["brier"] < held["observed_rate"] * (1 - held["observed_rate"])


@pytest.mark.slow
def test_score_and_evaluate_record_the_version(model_dir: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    lines = gzip.decompress(SAMPLE.read_bytes()).decode().splitlines()[:2001]
    sample.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    out = tmp_path / "scores.csv"
    scored = runner.invoke(
        risk_app,
        ["score", "--model", str(model_dir), "--data", str(sample), "--out", str(out)],
    )
    assert scored.exit_code == 0, scored.output
    header, first = out.read_text().splitlines()[:2]
    assert header == "sku,probability,reason_1,reason_2,reason_3,model_version"
    assert first.endswith(",v0001")
    evaluated = runner.invoke(
        risk_app, ["evaluate", "--model", str(model_dir), "--data", str(sample), "--json"]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["model_version"] == "v0001"
