"""Scores of a risk model against known outcomes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from backorder.risk.kaggle import BoolArray, FloatArray


@dataclass(frozen=True)
class Scorecard:
    """How well probabilities match outcomes on one set of rows.

    `pr_auc` is the average precision (area under the precision-recall curve), the figure
    that matters with under 1% positives; `brier` is the mean squared error of the
    probabilities; `mean_probability` next to `observed_rate` shows calibration at a glance.
    """

    rows: int
    positives: int
    roc_auc: float
    pr_auc: float
    brier: float
    mean_probability: float
    observed_rate: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def scorecard(outcome: BoolArray, probability: FloatArray) -> Scorecard:
    """Score probabilities against outcomes; AUCs are NaN when only one class is present."""
    rows = int(outcome.size)
    positives = int(outcome.sum())
    both_classes = 0 < positives < rows
    return Scorecard(
        rows=rows,
        positives=positives,
        roc_auc=float(roc_auc_score(outcome, probability)) if both_classes else float("nan"),
        pr_auc=float(average_precision_score(outcome, probability))
        if both_classes
        else float("nan"),
        brier=float(np.mean((probability - outcome) ** 2)) if rows else float("nan"),
        mean_probability=float(probability.mean()) if rows else float("nan"),
        observed_rate=positives / rows if rows else float("nan"),
    )


def ranking_scores(outcome: BoolArray, score: FloatArray) -> tuple[float, float]:
    """ROC AUC and PR AUC (average precision) of any monotone risk score."""
    return float(roc_auc_score(outcome, score)), float(average_precision_score(outcome, score))


def average_precision(outcome: BoolArray, score: FloatArray) -> float:
    """Average precision as scikit-learn defines it, in numpy alone (cheap enough to run
    every few boosting rounds): sum over distinct score thresholds of the recall gained
    times the precision reached, ties counted together."""
    positives = int(outcome.sum())
    if positives == 0:
        return float("nan")
    order = np.argsort(-score, kind="stable")
    ranked_score = score[order]
    hits = np.cumsum(outcome[order], dtype=np.float64)
    # The last row of every run of equal scores is where a threshold lands.
    cut = np.flatnonzero(np.r_[ranked_score[1:] != ranked_score[:-1], True])
    true_positives = hits[cut]
    precision = true_positives / (cut + 1.0)
    recall_gain = np.diff(np.r_[0.0, true_positives]) / positives
    return float(np.dot(recall_gain, precision))
