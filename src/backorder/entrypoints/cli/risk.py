"""`backorder risk ...`: train, evaluate, score with and govern the backorder-risk model."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backorder.adapters.model_store import FileModelStore, ModelArtifacts, ModelStoreError
from backorder.risk.errors import ModelMismatchError, TrainingDataError
from backorder.risk.kaggle import KaggleSchemaError, KaggleValueError
from backorder.risk.report import TrainingSettings

if TYPE_CHECKING:
    from backorder.risk.kaggle import Snapshots
    from backorder.risk.predict import RiskModel

# LightGBM and scikit-learn take seconds to import: every module that loads them
# (risk.predict, risk.train) is imported inside the command that needs it, so that
# `backorder --help` and the other commands do not pay for them.

risk_app = typer.Typer(
    name="risk",
    help="Backorder-risk model: train, evaluate, score, promote, watch drift.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)

INPUT_REFUSED = 2
NO_MODEL = 1
DEFAULT_EXPLAIN_TOP = 1_000
DEFAULT_SETTINGS = TrainingSettings()

DataOption = typer.Option(..., "--data", help="Kaggle-schema CSV file (plain or .gz).")
ModelOption = typer.Option(..., "--model", help="Model store directory.")


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn input and store errors into a message and an exit code, not a traceback."""
    try:
        yield
    except (KaggleSchemaError, KaggleValueError, TrainingDataError) as error:
        # markup off: a refused cell may hold text that looks like Rich markup
        errors.print(f"refused: {error}", style="red", markup=False, highlight=False)
        raise typer.Exit(code=INPUT_REFUSED) from None
    except (ModelStoreError, ModelMismatchError) as error:
        errors.print(f"model: {error}", style="red", markup=False, highlight=False)
        raise typer.Exit(code=NO_MODEL) from None


def _read(path: Path) -> Snapshots:
    from backorder.risk.kaggle import read_kaggle_csv

    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file", param_hint="--data")
    return read_kaggle_csv(path)


def _load_model(store: FileModelStore, version: str | None) -> RiskModel:
    from backorder.risk.predict import RiskModel

    stored = store.load(version)
    parts = stored.artifacts
    return RiskModel.from_parts(
        stored.version, parts.booster_text, parts.calibrator, parts.metadata
    )


def _figure(value: float) -> str:
    return f"{value:.4f}"


@risk_app.command("train")
def train_command(
    data: Path = DataOption,
    out: Path = typer.Option(..., "--out", help="Model store directory (created if needed)."),
    seed: int = typer.Option(42, "--seed", help="Seed for splits, bagging and features."),
    actor: str | None = typer.Option(
        None, "--actor", help="Who trains, for the audit trail (default: $USER)."
    ),
    max_rounds: int = typer.Option(
        DEFAULT_SETTINGS.max_rounds, "--max-rounds", help="Most boosting rounds (trees)."
    ),
    learning_rate: float = typer.Option(
        DEFAULT_SETTINGS.learning_rate, "--learning-rate", help="Boosting learning rate."
    ),
) -> None:
    """Train, cross-validate, calibrate and store a new model version.

    More rounds at a lower learning rate gain a little PR AUC and cost proportionally more
    time to train and to score; the defaults keep a million rows scoring within seconds.
    """
    from backorder.risk.forest import compile_forest
    from backorder.risk.kaggle import file_fingerprint
    from backorder.risk.train import train_risk_model

    actor = actor or os.environ.get("USER") or "unknown"
    settings = replace(
        DEFAULT_SETTINGS, seed=seed, max_rounds=max_rounds, learning_rate=learning_rate
    )
    with _refusals():
        started = time.perf_counter()
        rows = _read(data)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("loading", total=1.0)

            def on_progress(stage: str, share: float) -> None:
                bar.update(task, description=stage, completed=share)

            trained = train_risk_model(rows, settings, on_progress)
        store = FileModelStore(out)
        metadata = trained.metadata(file_fingerprint(data), data.name)
        version = store.save(
            ModelArtifacts(trained.booster_text, trained.calibrator.to_json(), metadata)
        )
        first = store.active_version() is None
        if first:
            store.promote(version, actor, "first model in the store")
        # Compiled once here, the trees are found compiled by every later scoring run.
        compiling = time.perf_counter()
        compiled = compile_forest(trained.booster_text) is not None
        compile_seconds = time.perf_counter() - compiling
    report = trained.report
    table = Table(title="Cross-validation (fit rows)")
    for column in ("fold", "rows", "positives", "ROC AUC", "PR AUC"):
        table.add_column(column, justify="right")
    for fold in report.folds:
        table.add_row(
            str(fold.fold),
            str(fold.rows),
            str(fold.positives),
            _figure(fold.roc_auc),
            _figure(fold.pr_auc),
        )
    table.add_row("mean", "", "", _figure(report.cv_roc_auc), _figure(report.cv_pr_auc))
    console.print(table)
    chosen = report.chosen
    tried = ", ".join(
        f"{c.negative_bagging:.0%} -> PR AUC {c.pr_auc:.4f}" for c in report.candidates
    )
    broad = trained.parameters["broad_rounds"]
    console.print(
        f"{chosen.rounds} trees: {broad} broad, then {chosen.rounds - broad} detail trees that "
        f"see every backordered row and {chosen.negative_bagging:.0%} of the others "
        f"(cross-validated PR AUC per share: {tried})",
        highlight=False,
    )
    strongest = ", ".join(f"{i.feature} {i.share:.0%}" for i in trained.importance[:5])
    console.print(f"strongest features (share of split gain): {strongest}", highlight=False)
    held = report.holdout
    console.print(
        f"held-out test ({held.rows} rows, {held.positives} backordered): "
        f"ROC AUC {_figure(held.roc_auc)}  PR AUC {_figure(held.pr_auc)}  "
        f"Brier {held.brier:.5f}  mean probability {held.mean_probability:.4f} "
        f"vs observed {held.observed_rate:.4f}"
    )
    console.print(
        f"trees compiled to C for fast scoring in {compile_seconds:.1f} s"
        if compiled
        else "no C compiler here: scoring uses LightGBM's own (slower) prediction",
        highlight=False,
    )
    state = "active (first model)" if first else "saved; promote it with `backorder risk promote`"
    console.print(
        f"model {version} in {out}: {state}. {time.perf_counter() - started:.1f} s", highlight=False
    )


@risk_app.command("evaluate")
def evaluate_command(
    model: Path = ModelOption,
    data: Path = DataOption,
    version: str | None = typer.Option(None, "--version", help="Version (default: active)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Measure a model on labelled data: ROC AUC, PR AUC, Brier, drift."""
    from backorder.risk.predict import evaluate

    with _refusals():
        risk_model = _load_model(FileModelStore(model), version)
        rows = _read(data)
        if rows.went_on_backorder is None:
            raise TrainingDataError(f"{data} has no went_on_backorder column to evaluate against")
        result = evaluate(risk_model, rows).to_json()
    if as_json:
        typer.echo(json.dumps(_finite(result), sort_keys=True))
        return
    for key in ("model_version", "rows", "positives", "roc_auc", "pr_auc", "brier"):
        console.print(f"{key:>16}: {result[key]}", highlight=False)
    console.print(f"{'drifted':>16}: {', '.join(result['drifted_features']) or 'none'}")


@risk_app.command("score")
def score_command(
    model: Path = ModelOption,
    data: Path = DataOption,
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    version: str | None = typer.Option(None, "--version", help="Version (default: active)."),
    explain_top: int = typer.Option(
        DEFAULT_EXPLAIN_TOP, "--explain-top", help="Give reasons for the N riskiest rows."
    ),
    explain_all: bool = typer.Option(False, "--explain-all", help="Give reasons for every row."),
) -> None:
    """Write sku, calibrated probability, three reasons and model version per row.

    Reasons are per-row contributions (TreeSHAP; path attributions for the deep detail
    trees), about a millisecond of CPU per row against a few microseconds for the
    probability, so by default only the riskiest rows get them (the others have empty
    reasons); --explain-all explains every row.
    """
    from backorder.risk.predict import score, write_scores_csv

    with _refusals():
        started = time.perf_counter()
        risk_model = _load_model(FileModelStore(model), version)
        rows = _read(data)
        scores = score(risk_model, rows, None if explain_all else explain_top)
        write_scores_csv(scores, out)
    console.print(
        f"scored {len(rows)} rows with model {scores.model_version} "
        f"({scores.explained_rows} explained) -> {out} in {time.perf_counter() - started:.1f} s",
        highlight=False,
    )


@risk_app.command("promote")
def promote_command(
    model: Path = ModelOption,
    version: str = typer.Option(..., "--version", help="Version to activate."),
    actor: str = typer.Option(..., "--actor", help="Who decides (audit trail)."),
    reason: str = typer.Option(..., "--reason", help="Why (audit trail)."),
) -> None:
    """Make a version the active one; the change is recorded in the audit log."""
    with _refusals():
        try:
            promotion = FileModelStore(model).promote(version, actor, reason)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
    console.print(
        f"active model: {promotion.from_version or 'none'} -> {promotion.to_version} "
        f"by {promotion.actor} at {promotion.at}",
        highlight=False,
    )


@risk_app.command("models")
def models_command(model: Path = ModelOption) -> None:
    """List stored versions with their held-out figures; the active one is marked."""
    store = FileModelStore(model)
    active = store.active_version()
    table = Table(title=f"Models in {model}")
    for column in ("version", "active", "created", "data sha256", "ROC AUC", "PR AUC"):
        table.add_column(column)
    for version in store.versions():
        meta = store.load(version).artifacts.metadata
        held = meta.get("metrics", {}).get("holdout", {})
        table.add_row(
            version,
            "*" if version == active else "",
            str(meta.get("created_at", "")),
            str(meta.get("training_data", {}).get("sha256", ""))[:12],
            str(held.get("roc_auc")),
            str(held.get("pr_auc")),
        )
    console.print(table)


@risk_app.command("drift")
def drift_command(
    model: Path = ModelOption,
    data: Path = DataOption,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Population stability index per feature against the model's training data."""
    from backorder.risk.predict import drift

    with _refusals():
        risk_model = _load_model(FileModelStore(model), None)
        report = drift(risk_model, _read(data))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "model_version": risk_model.version,
                    "features": [
                        {"feature": d.feature, "psi": d.psi, "drifted": d.drifted} for d in report
                    ],
                }
            )
        )
        return
    table = Table(title=f"Population stability against model {risk_model.version}")
    for column in ("feature", "PSI", "drifted"):
        table.add_column(column)
    for item in report:
        table.add_row(item.feature, f"{item.psi:.4f}", "yes" if item.drifted else "")
    console.print(table)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value
