"""Drift monitoring: population stability index (PSI) per feature.

At training time each feature's distribution on the booster's training rows is summarised
as decile bin edges plus the share of rows per bin, with unknown (NaN) values in a bin of
their own; the summary travels in the model metadata. Current data is binned with the same
edges and compared: PSI = sum((current - reference) * ln(current / reference)). By the usual
rule of thumb PSI below 0.1 is stable, 0.1-0.25 a moderate shift, above 0.25 a shift large
enough that the model's figures no longer describe the data it scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backorder.risk.kaggle import FloatArray

PSI_ALERT = 0.25
DEFAULT_BINS = 10
# An empty bin would make the log ratio infinite; this floor keeps one empty bin from
# dominating while still counting it as a shift.
_SHARE_FLOOR = 1e-4


@dataclass(frozen=True)
class BinReference:
    """Bin edges of one feature and the share of training rows per bin (last: unknown)."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"edges": list(self.edges), "shares": list(self.shares)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BinReference:
        """Rebuild from `to_json` output."""
        return cls(edges=tuple(map(float, data["edges"])), shares=tuple(map(float, data["shares"])))


@dataclass(frozen=True)
class FeatureDrift:
    """The stability of one feature between training and current data."""

    feature: str
    psi: float
    drifted: bool


def _shares(values: FloatArray, edges: tuple[float, ...]) -> FloatArray:
    known = values[~np.isnan(values)]
    counts = np.bincount(
        np.searchsorted(np.asarray(edges), known, side="right"), minlength=len(edges) + 1
    ).astype(np.float64)
    counts = np.append(counts, float(values.size - known.size))
    total = max(float(values.size), 1.0)
    return counts / total


def bin_reference(values: FloatArray, bins: int = DEFAULT_BINS) -> BinReference:
    """Summarise one feature's training distribution."""
    known = values[~np.isnan(values)]
    if known.size:
        quantiles = np.quantile(known, np.linspace(0.0, 1.0, bins + 1)[1:-1])
        edges = tuple(float(edge) for edge in np.unique(quantiles))
    else:
        edges = ()
    return BinReference(edges=edges, shares=tuple(float(s) for s in _shares(values, edges)))


def psi_reference(
    matrix: FloatArray, names: tuple[str, ...], bins: int = DEFAULT_BINS
) -> dict[str, BinReference]:
    """Reference bins for every feature column of a training matrix."""
    return {name: bin_reference(matrix[:, i], bins) for i, name in enumerate(names)}


def population_stability(reference: BinReference, values: FloatArray) -> float:
    """PSI of current values against one feature's reference."""
    expected = np.maximum(np.asarray(reference.shares), _SHARE_FLOOR)
    actual = np.maximum(_shares(values, reference.edges), _SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def feature_drift(
    reference: dict[str, BinReference],
    matrix: FloatArray,
    names: tuple[str, ...],
    alert: float = PSI_ALERT,
) -> list[FeatureDrift]:
    """PSI of each feature, largest first, flagging those above `alert`."""
    drift = []
    for i, name in enumerate(names):
        if name in reference:
            psi = population_stability(reference[name], matrix[:, i])
            drift.append(FeatureDrift(feature=name, psi=psi, drifted=psi > alert))
    return sorted(drift, key=lambda item: (-item.psi, item.feature))
