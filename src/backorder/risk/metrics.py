"""Scores of a risk model against known outcomes.

ROC AUC and average precision are computed here in numpy, with scikit-learn's
definitions (ties share their rank; precision is taken at each distinct threshold), so
that scoring and evaluating never pay for importing scikit-learn's metrics.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

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
        roc_auc=roc_auc(outcome, probability) if both_classes else float("nan"),
        pr_auc=average_precision(outcome, probability) if both_classes else float("nan"),
        brier=float(np.mean((probability - outcome) ** 2)) if rows else float("nan"),
        mean_probability=float(probability.mean()) if rows else float("nan"),
        observed_rate=positives / rows if rows else float("nan"),
    )


def ranking_scores(outcome: BoolArray, score: FloatArray) -> tuple[float, float]:
    """ROC AUC and PR AUC (average precision) of any monotone risk score."""
    return roc_auc(outcome, score), average_precision(outcome, score)


def roc_auc(outcome: BoolArray, score: FloatArray) -> float:
    """Area under the ROC curve: the chance a backordered row outranks another row."""
    positives = int(outcome.sum())
    negatives = int(outcome.size) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    _, group, counts = np.unique(score, return_inverse=True, return_counts=True)
    # Tied scores share the average of the ranks they span (1-based).
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    rank_sum = float(average_rank[group.reshape(-1)][outcome].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


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
