"""`backorder risk ...` end to end on small synthetic files (a few seconds)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backorder.adapters.model_store import FileModelStore
from backorder.entrypoints.cli.risk import risk_app
from tests.unit.risk.synthetic import synthetic_csv

runner = CliRunner()


def _said(output: str) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(output.split())


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("risk-cli")
    train = root / "train.csv"
    train.write_text(synthetic_csv(3000, seed=5, footer=True))
    fresh = root / "fresh.csv"
    fresh.write_text(synthetic_csv(400, seed=6, label=False))
    labelled = root / "labelled.csv"
    labelled.write_text(synthetic_csv(800, seed=8))
    models = root / "models"
    result = runner.invoke(
        risk_app, ["train", "--data", str(train), "--out", str(models), "--actor", "ana"]
    )
    assert result.exit_code == 0, result.output
    assert "held-out test" in _said(result.output)
    assert "active (first model)" in _said(result.output)
    return {"train": train, "fresh": fresh, "labelled": labelled, "models": models, "root": root}


def test_first_trained_model_is_active_and_its_activation_audited(files: dict[str, Path]) -> None:
    store = FileModelStore(files["models"])
    assert store.active_version() == "v0001"
    [promotion] = store.audit_trail()
    assert (promotion.actor, promotion.to_version) == ("ana", "v0001")
    metadata = store.load().artifacts.metadata
    assert metadata["training_data"]["rows"] == 3000
    assert len(metadata["training_data"]["sha256"]) == 64
    assert metadata["metrics"]["holdout"]["rows"] == 600


def test_score_writes_probabilities_reasons_and_version(files: dict[str, Path]) -> None:
    out = files["root"] / "scores.csv"
    args = ["score", "--model", str(files["models"]), "--data", str(files["fresh"])]
    result = runner.invoke(risk_app, [*args, "--out", str(out), "--explain-top", "50"])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 400
    assert list(rows[0]) == [
        "sku",
        "probability",
        "reason_1",
        "reason_2",
        "reason_3",
        "model_version",
    ]
    assert {row["model_version"] for row in rows} == {"v0001"}
    assert sum(1 for row in rows if row["reason_1"]) == 50


def test_evaluate_prints_one_json_object(files: dict[str, Path]) -> None:
    args = ["evaluate", "--model", str(files["models"]), "--data", str(files["labelled"])]
    result = runner.invoke(risk_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    for key in ("rows", "positives", "roc_auc", "pr_auc", "brier", "model_version"):
        assert key in figures
    assert figures["rows"] == 800
    assert figures["model_version"] == "v0001"


def test_file_outside_the_schema_is_refused_with_exit_code_2(files: dict[str, Path]) -> None:
    wrong = files["root"] / "orders.csv"
    wrong.write_text(synthetic_csv(5).replace("lead_time", "leadtime").replace("sku,", "item,"))
    for command in (
        ["score", "--model", str(files["models"]), "--out", str(files["root"] / "x.csv")],
        ["evaluate", "--model", str(files["models"])],
        ["train", "--out", str(files["root"] / "other-models")],
    ):
        result = runner.invoke(risk_app, [*command, "--data", str(wrong)])
        assert result.exit_code == 2, result.output
        assert "missing columns: sku, lead_time" in _said(result.output)
        assert "unknown columns: item, leadtime" in _said(result.output)


def test_bad_value_is_refused_with_line_and_column(files: dict[str, Path]) -> None:
    text = synthetic_csv(5, label=False).splitlines()
    text[3] = text[3].replace(",No,", ",Perhaps,", 1)
    bad = files["root"] / "bad.csv"
    bad.write_text("\n".join(text) + "\n")
    args = ["score", "--model", str(files["models"]), "--data", str(bad)]
    result = runner.invoke(risk_app, [*args, "--out", str(files["root"] / "y.csv")])
    assert result.exit_code == 2
    assert "line 4" in _said(result.output)
    assert "potential_issue" in _said(result.output)


def test_promote_models_and_drift(files: dict[str, Path]) -> None:
    store = FileModelStore(files["models"])
    again = runner.invoke(
        risk_app, ["train", "--data", str(files["train"]), "--out", str(files["models"])]
    )
    assert again.exit_code == 0, again.output
    assert store.active_version() == "v0001"  # a new version waits for a promotion
    result = runner.invoke(
        risk_app,
        [
            *("promote", "--model", str(files["models"]), "--version", "v0002"),
            *("--actor", "ben", "--reason", "retrained on the same data"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert store.active_version() == "v0002"
    assert [p.to_version for p in store.audit_trail()] == ["v0001", "v0002"]
    listing = runner.invoke(risk_app, ["models", "--model", str(files["models"])])
    assert "v0001" in listing.output
    assert "v0002" in listing.output
    drift = runner.invoke(
        risk_app,
        ["drift", "--model", str(files["models"]), "--data", str(files["fresh"]), "--json"],
    )
    assert drift.exit_code == 0, drift.output
    report = json.loads(drift.stdout)
    assert report["model_version"] == "v0002"
    assert not any(item["drifted"] for item in report["features"])


def test_scoring_without_a_model_says_so(files: dict[str, Path]) -> None:
    empty = files["root"] / "no-models"
    args = ["score", "--model", str(empty), "--data", str(files["fresh"])]
    result = runner.invoke(risk_app, [*args, "--out", str(files["root"] / "z.csv")])
    assert result.exit_code == 1
    assert "no active model" in _said(result.output)
