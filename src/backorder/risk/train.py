"""Training of the backorder-risk model: LightGBM, cross-validated, calibrated, reproducible.

How the rows are used (all splits stratified by the label and seeded), so that no figure
is computed on rows that shaped what it measures:

- **test** (20%): held out before anything else; used once, at the end, for the
  held-out figures. Never seen by model selection, the booster or the calibrator.
- **calibration** (10%): used only to fit the Platt calibrator, on the final booster's
  log-odds. Never used to fit the booster or to select its settings.
- **fit** (70%): everything else. Stratified k-fold cross-validation on these rows selects
  the class-imbalance setting and the number of boosting rounds (early stopping on the
  validation folds' PR AUC) and gives the cross-validated figures; the final booster is
  then fitted on the fit rows alone, with its own feature binning, at the chosen setting.
  (Within cross-validation LightGBM bins the features once over all fit rows; only the
  labels of a fold's own training rows reach that fold's booster.)

Imbalance (under 1% positives) is handled by balanced bagging: every tree is grown on all
backordered rows and a fresh random share of the others (`neg_bagging_fraction`), so the
rare class weighs more in each tree while, across trees, every row is used. The share is
tuned by cross-validated PR AUC among the `negative_bagging` candidates. It shifts the
booster's base rate, which the calibrator, fitted on the natural mix, undoes.
(Undersampling the negatives once, for all trees, trained about twice as fast but lost
cross-validated PR AUC on the Kaggle sample: 0.234 against 0.250 at learning rate 0.05.)
The `sku` is never an input (see `features.py`). Training is deterministic for a given
seed: every split and sample is seeded and LightGBM runs with `deterministic=true`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold, train_test_split

from backorder.risk.calibration import fit_platt
from backorder.risk.explain import global_importance
from backorder.risk.features import FEATURE_NAMES, feature_matrix
from backorder.risk.kaggle import BoolArray, FloatArray, Snapshots
from backorder.risk.metrics import average_precision, ranking_scores, scorecard
from backorder.risk.monitor import psi_reference
from backorder.risk.report import (
    CandidateResult,
    FoldResult,
    TrainedRiskModel,
    TrainingDataError,
    TrainingReport,
    TrainingSettings,
)

__all__ = [
    "Partition",
    "Progress",
    "TrainedRiskModel",
    "TrainingDataError",
    "TrainingSettings",
    "split_rows",
    "train_risk_model",
]

Progress = Callable[[str, float], None]
"""Called with a stage description and the overall share of work done (0 to 1)."""

MIN_CLASS_ROWS = 20
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class Partition:
    """Row positions of the three disjoint parts of a training file."""

    fit: IntArray
    calibration: IntArray
    test: IntArray


def split_rows(outcome: BoolArray, settings: TrainingSettings) -> Partition:
    """Stratified, seeded split into fit, calibration and test rows (see module doc)."""
    everything = np.arange(outcome.size)
    rest, test = train_test_split(
        everything, test_size=settings.test_share, stratify=outcome, random_state=settings.seed
    )
    fit, calibration = train_test_split(
        rest,
        test_size=settings.calibration_share / (1.0 - settings.test_share),
        stratify=outcome[rest],
        random_state=settings.seed,
    )
    return Partition(np.sort(fit), np.sort(calibration), np.sort(test))


class _PrecisionCheckpoints:
    """Validation-fold PR AUC for `lgb.cv`, recomputed every few rounds.

    LightGBM's own metrics sort every validation fold after every round, which took more
    than a third of the training time; the ranking moves slowly, so a value refreshed every
    `every` rounds (and held in between) picks the round count to within `every` rounds.
    """

    def __init__(self, every: int) -> None:
        self.every = every
        self.calls: dict[int, int] = {}
        self.latest: dict[int, float] = {}

    def __call__(self, predictions: FloatArray, data: Any) -> tuple[str, float, bool]:
        fold = id(data)
        count = self.calls.get(fold, 0)
        self.calls[fold] = count + 1
        if count % self.every == 0:
            outcome = np.asarray(data.get_label()) > 0.5
            self.latest[fold] = average_precision(outcome, np.asarray(predictions))
        return "average_precision", self.latest[fold], True


def _report(progress: Progress | None, stage: str, share: float) -> None:
    if progress is not None:
        progress(stage, round(min(max(share, 0.0), 1.0), 6))


def _round_callback(
    progress: Progress | None, stage: str, start: float, width: float
) -> Callable[[Any], None]:
    def callback(env: Any) -> None:
        done = (env.iteration - env.begin_iteration + 1) / max(env.end_iteration, 1)
        _report(progress, stage, start + width * done)

    return callback


def _log_odds(booster: Any, matrix: FloatArray, rounds: int | None = None) -> FloatArray:
    raw = booster.predict(matrix, raw_score=True, num_iteration=rounds)
    out: FloatArray = np.asarray(raw, dtype=np.float64)
    return out


def _check_label(rows: Snapshots, settings: TrainingSettings) -> BoolArray:
    outcome = rows.went_on_backorder
    if outcome is None:
        raise TrainingDataError("training needs the went_on_backorder column")
    positives = int(outcome.sum())
    negatives = int(outcome.size) - positives
    needed = max(MIN_CLASS_ROWS, 2 * settings.folds)
    if positives < needed or negatives < needed:
        raise TrainingDataError(
            f"training needs at least {needed} backordered and {needed} other rows; "
            f"got {positives} and {negatives}"
        )
    return outcome


def _cross_validate(
    matrix: FloatArray,
    outcome: BoolArray,
    settings: TrainingSettings,
    progress: Progress | None,
) -> tuple[list[CandidateResult], CandidateResult, list[FoldResult]]:
    splitter = StratifiedKFold(n_splits=settings.folds, shuffle=True, random_state=settings.seed)
    folds = list(splitter.split(matrix, outcome))
    dataset = lgb.Dataset(
        matrix,
        label=outcome.astype(np.float64),
        feature_name=list(FEATURE_NAMES),
        params={"verbosity": -1},
        free_raw_data=False,
    )
    width = 0.85 / len(settings.negative_bagging)
    results: list[tuple[CandidateResult, list[FoldResult]]] = []
    for number, share in enumerate(settings.negative_bagging):
        history: dict[str, Any] = lgb.cv(
            {**settings.booster_parameters(share), "metric": "none"},
            dataset,
            num_boost_round=settings.max_rounds,
            folds=folds,
            feval=_PrecisionCheckpoints(settings.checkpoint_every),
            callbacks=[
                lgb.early_stopping(settings.patience, first_metric_only=True, verbose=False),
                _round_callback(
                    progress,
                    f"cross-validating, {share:.0%} of negatives per tree",
                    number * width,
                    width,
                ),
            ],
            return_cvbooster=True,
        )
        rounds = int(np.argmax(history["valid average_precision-mean"])) + 1
        fold_results = []
        for fold, ((_, valid), booster) in enumerate(
            zip(folds, history["cvbooster"].boosters, strict=True), start=1
        ):
            score = _log_odds(booster, matrix[valid], rounds)
            roc_auc, pr_auc = ranking_scores(outcome[valid], score)
            positives = int(outcome[valid].sum())
            fold_results.append(FoldResult(fold, int(valid.size), positives, roc_auc, pr_auc))
        candidate = CandidateResult(
            negative_bagging=share,
            rounds=rounds,
            roc_auc=float(np.mean([f.roc_auc for f in fold_results])),
            pr_auc=float(np.mean([f.pr_auc for f in fold_results])),
        )
        results.append((candidate, fold_results))
    chosen, chosen_folds = max(results, key=lambda item: item[0].pr_auc)
    return [candidate for candidate, _ in results], chosen, chosen_folds


def train_risk_model(
    rows: Snapshots,
    settings: TrainingSettings | None = None,
    progress: Progress | None = None,
) -> TrainedRiskModel:
    """Select, fit, calibrate and evaluate a backorder-risk model on labelled snapshots."""
    settings = settings or TrainingSettings()
    outcome = _check_label(rows, settings)
    _report(progress, "building features", 0.0)
    matrix = feature_matrix(rows)
    part = split_rows(outcome, settings)
    candidates, chosen, folds = _cross_validate(
        matrix[part.fit], outcome[part.fit], settings, progress
    )
    parameters = settings.booster_parameters(chosen.negative_bagging)
    booster = lgb.train(
        parameters,
        lgb.Dataset(
            matrix[part.fit],
            label=outcome[part.fit].astype(np.float64),
            feature_name=list(FEATURE_NAMES),
            params={"verbosity": -1},
        ),
        num_boost_round=chosen.rounds,
        callbacks=[_round_callback(progress, "fitting the final booster", 0.85, 0.12)],
    )
    _report(progress, "calibrating on the calibration rows", 0.97)
    calibration_odds = _log_odds(booster, matrix[part.calibration])
    calibrator = fit_platt(calibration_odds, outcome[part.calibration])
    _report(progress, "measuring on the held-out test rows", 0.98)
    held_out = calibrator.probability(_log_odds(booster, matrix[part.test]))
    report = TrainingReport(
        candidates=candidates,
        chosen=chosen,
        folds=folds,
        cv_roc_auc=chosen.roc_auc,
        cv_pr_auc=chosen.pr_auc,
        calibration=scorecard(outcome[part.calibration], calibrator.probability(calibration_odds)),
        holdout=scorecard(outcome[part.test], held_out),
        partitions={
            name: {"rows": int(rows_of.size), "positives": int(outcome[rows_of].sum())}
            for name, rows_of in (
                ("fit", part.fit),
                ("calibration", part.calibration),
                ("test", part.test),
            )
        },
    )
    _report(progress, "done", 1.0)
    return TrainedRiskModel(
        booster_text=booster.model_to_string(),
        calibrator=calibrator,
        feature_names=FEATURE_NAMES,
        parameters={**parameters, "num_boost_round": chosen.rounds},
        # Drift is judged against the population the model serves: all fit rows.
        psi_reference=psi_reference(matrix[part.fit], FEATURE_NAMES),
        importance=global_importance(booster, FEATURE_NAMES),
        report=report,
        settings=settings,
    )
