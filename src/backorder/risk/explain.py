"""Explanations: the three features that moved each prediction most, in plain words.

LightGBM's `pred_contrib=True` gives, per row, each feature's additive contribution to
the log-odds (SHAP values) plus the model's expected log-odds in the last column; for
the deep detail trees of a two-stage model, path attributions stand in (`contributions`). A row
whose contributions add up above the expectation is explained by the features that raise
its risk most, one below it by those that lower it most, so a planner reads why the
SKU is risky, or why it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backorder.risk.attribution import UnsupportedTreeError, parse_trees, path_contributions
from backorder.risk.features import FEATURES_BY_NAME
from backorder.risk.kaggle import FloatArray

REASONS_PER_ROW = 3
RAISES = " (raises risk)"
LOWERS = " (lowers risk)"

ObjectArray = NDArray[np.object_]


@dataclass(frozen=True)
class Importance:
    """A feature's share of the total split gain of the booster."""

    feature: str
    share: float


def contributions(booster: Any, matrix: FloatArray, exact_trees: int | None = None) -> FloatArray:
    """Per-row feature contributions to the log-odds; the last column is the expectation.

    TreeSHAP for the first `exact_trees` trees (all when None), path attributions for
    the rest (see `attribution.py`: TreeSHAP is too slow on the deep detail trees).
    """
    total = booster.num_trees()
    if exact_trees is None or exact_trees >= total:
        return _tree_shap(booster, matrix, None)
    try:
        later = parse_trees(booster.model_to_string(start_iteration=exact_trees))
    except UnsupportedTreeError:
        return _tree_shap(booster, matrix, None)
    approximate = path_contributions(later, matrix)
    if exact_trees <= 0:
        return approximate
    return _tree_shap(booster, matrix, exact_trees) + approximate


def _tree_shap(booster: Any, matrix: FloatArray, trees: int | None) -> FloatArray:
    contrib = booster.predict(matrix, pred_contrib=True, num_iteration=trees)
    out: FloatArray = np.asarray(contrib, dtype=np.float64)
    return out


def top_reasons(
    contrib: FloatArray,
    matrix: FloatArray,
    names: tuple[str, ...],
    count: int = REASONS_PER_ROW,
) -> ObjectArray:
    """A (rows, count) array of reason texts; "" where fewer features push that way."""
    rows, width = matrix.shape
    count = min(count, width)
    feature_part = contrib[:, :width]
    direction = np.where(feature_part.sum(axis=1) >= 0.0, 1.0, -1.0)
    signed = feature_part * direction[:, None]
    if count < width:
        candidates = np.argpartition(-signed, count - 1, axis=1)[:, :count]
    else:
        candidates = np.tile(np.arange(width), (rows, 1))
    order = np.argsort(-np.take_along_axis(signed, candidates, axis=1), axis=1, kind="stable")
    chosen = np.take_along_axis(candidates, order, axis=1)
    strength = np.take_along_axis(signed, chosen, axis=1)
    values = np.take_along_axis(matrix, chosen, axis=1)
    raises = np.broadcast_to((direction > 0)[:, None], chosen.shape)
    texts: ObjectArray = np.full(chosen.shape, "", dtype=object)
    for position, name in enumerate(names):
        feature = FEATURES_BY_NAME[name]
        for rising, suffix in ((True, RAISES), (False, LOWERS)):
            mask = (chosen == position) & (strength > 0.0) & (raises == rising)
            if not mask.any():
                continue
            # A million rows repeat few distinct values; each is phrased once.
            distinct, where = np.unique(values[mask], return_inverse=True)
            phrases = np.array(
                [feature.describe(float(v)) + suffix for v in distinct], dtype=object
            )
            texts[mask] = phrases[where]
    return texts


def global_importance(booster: Any, names: tuple[str, ...]) -> list[Importance]:
    """Each feature's share of total split gain, largest first."""
    gain = np.asarray(booster.feature_importance(importance_type="gain"), dtype=np.float64)
    total = float(gain.sum()) or 1.0
    ranked = sorted(zip(names, gain / total, strict=True), key=lambda item: (-item[1], item[0]))
    return [Importance(feature=name, share=float(share)) for name, share in ranked]
