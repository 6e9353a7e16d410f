"""What training produces: the fitted model, its settings and what was measured.

Imports nothing heavy (no LightGBM, no scikit-learn): the CLI reads `TrainingSettings`
without paying for them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

import numpy as np

from backorder.risk.calibration import PlattCalibrator
from backorder.risk.errors import TrainingDataError
from backorder.risk.explain import Importance
from backorder.risk.metrics import Scorecard
from backorder.risk.monitor import BinReference

__all__ = [
    "CandidateResult",
    "FoldResult",
    "TrainedRiskModel",
    "TrainingDataError",
    "TrainingReport",
    "TrainingSettings",
]


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that decides the trained model besides the data.

    Boosting runs in two stages (see `boosting.py`): `broad_rounds` trees of
    `broad_leaves` leaves, then detail trees of `detail_leaves` leaves, up to `max_rounds`
    trees in all; cross-validation picks how many detail trees to keep. `max_rounds` is
    also a scoring budget: a million rows must score within seconds on two cores, and the
    cost grows with the number of trees and their depth.
    """

    seed: int = 42
    test_share: float = 0.20
    calibration_share: float = 0.10
    # "out_of_fold": the calibration rows also train the booster, and Platt scaling is fitted
    # on cross-validated log-odds of all development rows; "held_out_fold": Platt on the
    # calibration rows alone, which the booster never sees.
    calibration: str = "out_of_fold"
    folds: int = 3
    learning_rate: float = 0.1
    max_rounds: int = 160
    checkpoint_every: int = 10
    max_bin: int = 63
    feature_fraction: float = 0.8
    # Boosters fitted side by side (0: one per CPU), each on one LightGBM thread.
    threads: int = 0
    broad_rounds: int = 60
    broad_leaves: int = 31
    # Strong L2 with smaller leaves (L2 100, 50 rows) rather than L2 10 and 200 rows: the
    # broad stage ranks the bulk better (CV ROC AUC +0.003 over six fold seeds; see `train.py`).
    broad_min_child_samples: int = 50
    broad_lambda_l2: float = 100.0
    broad_negative_bagging: float = 0.3
    # Candidate shares of negative rows per detail tree, chosen by cross-validated PR AUC.
    negative_bagging: tuple[float, ...] = (1.0,)
    detail_leaves: int = 255
    detail_min_child_samples: int = 5
    detail_lambda_l2: float = 1.0

    def _common(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "feature_fraction": self.feature_fraction,
            "max_bin": self.max_bin,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            # One thread per booster: the same trees on any machine (see `boosting.py`).
            "num_threads": 1,
            "verbosity": -1,
        }

    def _bagging(self, negative_share: float) -> dict[str, Any]:
        # Balanced bagging: every positive row, a fresh share of the negatives per tree.
        if negative_share >= 1.0:
            return {"bagging_freq": 0}
        return {
            "bagging_freq": 1,
            "pos_bagging_fraction": 1.0,
            "neg_bagging_fraction": negative_share,
        }

    def broad_parameters(self) -> dict[str, Any]:
        """LightGBM parameters of the first, broad stage."""
        return {
            **self._common(),
            **self._bagging(self.broad_negative_bagging),
            "num_leaves": self.broad_leaves,
            "min_child_samples": self.broad_min_child_samples,
            "lambda_l2": self.broad_lambda_l2,
        }

    def detail_parameters(self, negative_bagging: float) -> dict[str, Any]:
        """LightGBM parameters of the second, detail stage at one negative share."""
        return {
            **self._common(),
            **self._bagging(negative_bagging),
            "num_leaves": self.detail_leaves,
            "min_child_samples": self.detail_min_child_samples,
            "lambda_l2": self.detail_lambda_l2,
        }


@dataclass(frozen=True)
class CandidateResult:
    """Cross-validated figures of one detail-stage negative share at its best tree count."""

    negative_bagging: float
    rounds: int
    roc_auc: float
    pr_auc: float


@dataclass(frozen=True)
class FoldResult:
    """Figures of the chosen setting on one validation fold."""

    fold: int
    rows: int
    positives: int
    roc_auc: float
    pr_auc: float


@dataclass(frozen=True)
class TrainingReport:
    """What training measured: cross-validation, calibration and held-out figures."""

    candidates: list[CandidateResult]
    chosen: CandidateResult
    folds: list[FoldResult]
    cv_roc_auc: float
    cv_pr_auc: float
    calibration: Scorecard
    holdout: Scorecard
    partitions: dict[str, dict[str, int]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "candidates": [asdict(c) for c in self.candidates],
            "chosen": asdict(self.chosen),
            "folds": [asdict(f) for f in self.folds],
            "cv_mean": {"roc_auc": self.cv_roc_auc, "pr_auc": self.cv_pr_auc},
            "calibration": self.calibration.to_json(),
            "holdout": self.holdout.to_json(),
            "partitions": self.partitions,
        }


@dataclass(frozen=True)
class TrainedRiskModel:
    """A fitted booster with its calibrator and everything the model store keeps."""

    booster_text: str
    calibrator: PlattCalibrator
    feature_names: tuple[str, ...]
    parameters: dict[str, Any]
    psi_reference: dict[str, BinReference]
    importance: list[Importance]
    report: TrainingReport
    settings: TrainingSettings

    def metadata(self, data_fingerprint: str, data_name: str) -> dict[str, Any]:
        """The model's metadata record (the store adds version and creation time)."""
        parts = self.report.partitions.values()
        return {
            "kind": "backorder-risk",
            "training_data": {
                "name": data_name,
                "sha256": data_fingerprint,
                "rows": sum(part["rows"] for part in parts),
                "positives": sum(part["positives"] for part in parts),
            },
            "parameters": self.parameters,
            "settings": asdict(self.settings),
            "metrics": self.report.to_json(),
            "features": list(self.feature_names),
            "importance": [asdict(item) for item in self.importance],
            "psi_reference": {name: ref.to_json() for name, ref in self.psi_reference.items()},
            "libraries": {
                "lightgbm": version("lightgbm"),
                "numpy": np.__version__,
                "scikit-learn": version("scikit-learn"),
            },
        }
