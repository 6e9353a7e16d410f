"""Supplier delay risk: how late a supplier's goods arrive against its own date, as quantiles.

From received purchase-order lines (receipt date minus the date the supplier gave) the
delay distribution is estimated per supplier and per supplier x item group, each as its
own receipts plus a prior: the distribution one level up (all suppliers, or the supplier),
counted as `weight` receipts. A supplier with three receipts is judged mostly by the pool,
one with three hundred by itself. When nothing at all was ever received, a default P50 and
P90 stand in for the pool. Quantiles are empirical (the smallest delay at least that share
of the weighted receipts reach), in whole days.

`DelayModel.dates(supplier_date, ...)` turns a supplier's date into P50 and P90 receipt
dates: the date by which the goods arrive half the time, and nine times in ten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ALL_SUPPLIERS = "all suppliers"


@dataclass(frozen=True)
class DelayPrior:
    """How much the pool counts, and what to assume without any history."""

    weight: float = 8.0  # receipts the parent distribution counts as
    default_p50: int = 0  # days late, when nothing was ever received
    default_p90: int = 7
    never_earlier: bool = True  # never promise before the supplier's own date

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError("prior weight must not be negative")
        if self.default_p90 < self.default_p50:
            raise ValueError("default P90 must not be below the default P50")


@dataclass(frozen=True)
class DelayObservation:
    """One received purchase-order line: whose, which item group, days after the promise."""

    supplier: str
    item_group: str
    delay_days: int


@dataclass(frozen=True)
class Distribution:
    """Delay values (days) with weights; a mixture of own receipts and the parent's."""

    values: FloatArray
    weights: FloatArray

    def quantile(self, share: float) -> int:
        """The smallest delay whose cumulative weight reaches `share` of the total."""
        order = np.argsort(self.values, kind="stable")
        cumulative = np.cumsum(self.weights[order])
        total = float(cumulative[-1])
        position = int(np.searchsorted(cumulative, share * total - 1e-9 * total))
        return int(self.values[order][min(position, order.size - 1)])

    def mixed_with(self, own: FloatArray, weight: float) -> Distribution:
        """`own` receipts (weight 1 each) plus this distribution counted as `weight` receipts."""
        if own.size == 0:
            return self
        if weight <= 0:
            return Distribution(own, np.ones(own.size))
        scaled = self.weights * (weight / float(self.weights.sum()))
        return Distribution(
            np.concatenate([own, self.values]), np.concatenate([np.ones(own.size), scaled])
        )


@dataclass(frozen=True)
class DelayEstimate:
    """P50 and P90 delay of one supplier (or supplier x item group), and what they rest on."""

    supplier: str
    item_group: str | None
    p50_days: int
    p90_days: int
    receipts: int  # own receipts behind the estimate (the prior comes on top)
    on_time_share: float | None  # own receipts on or before the supplier's date

    def describe(self) -> str:
        """Plain words, e.g. "ACME: 12 receipts; half within 2 days of its date, 9 in 10 ..."."""
        who = self.supplier + (f" ({self.item_group})" if self.item_group else "")
        if self.receipts == 0:
            basis = "no receipts of its own, judged by the pool"
        else:
            basis = f"{self.receipts} receipt{'s' if self.receipts != 1 else ''}"
            if self.on_time_share is not None:
                basis += f", {self.on_time_share:.0%} on time"
        return (
            f"{who}: {basis}; half arrive within {_days(self.p50_days)}, "
            f"9 in 10 within {_days(self.p90_days)} of the supplier's date"
        )


def _days(days: int) -> str:
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} early"
    return f"{days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class DelayModel:
    """Delay distributions by supplier and supplier x item group, over a common pool."""

    prior: DelayPrior
    pool: Distribution
    pool_receipts: int
    own: dict[str, FloatArray] = field(default_factory=dict)
    own_by_group: dict[tuple[str, str], FloatArray] = field(default_factory=dict)

    def _supplier(self, supplier: str) -> Distribution:
        own = self.own.get(supplier, np.zeros(0))
        return self.pool.mixed_with(own, self.prior.weight)

    def estimate(self, supplier: str | None, item_group: str | None = None) -> DelayEstimate:
        """P50/P90 delay of a supplier, of one of its item groups when that has history."""
        if supplier is None:
            return self._estimate(ALL_SUPPLIERS, None, self.pool, self._pool_values())
        distribution = self._supplier(supplier)
        own = self.own.get(supplier, np.zeros(0))
        group_own = self.own_by_group.get((supplier, item_group or ""), np.zeros(0))
        if item_group and group_own.size:
            distribution = distribution.mixed_with(group_own, self.prior.weight)
            return self._estimate(supplier, item_group, distribution, group_own)
        return self._estimate(supplier, None, distribution, own)

    def _pool_values(self) -> FloatArray:
        if not self.own:
            return np.zeros(0)
        return np.concatenate(list(self.own.values()))

    def _estimate(
        self, supplier: str, group: str | None, distribution: Distribution, own: FloatArray
    ) -> DelayEstimate:
        p50, p90 = distribution.quantile(0.5), distribution.quantile(0.9)
        if self.prior.never_earlier:
            p50, p90 = max(p50, 0), max(p90, 0)
        return DelayEstimate(
            supplier=supplier,
            item_group=group,
            p50_days=p50,
            p90_days=max(p90, p50),
            receipts=int(own.size),
            on_time_share=float((own <= 0).mean()) if own.size else None,
        )

    def dates(
        self, supplier_date: date, supplier: str | None, item_group: str | None = None
    ) -> tuple[date, date]:
        """P50 and P90 receipt dates of goods the supplier gave `supplier_date` for."""
        found = self.estimate(supplier, item_group)
        return (
            supplier_date + timedelta(days=found.p50_days),
            supplier_date + timedelta(days=found.p90_days),
        )

    def suppliers(self) -> list[str]:
        """Suppliers with receipts, alphabetically."""
        return sorted(self.own)


def estimate_delays(
    observations: Iterable[DelayObservation], prior: DelayPrior | None = None
) -> DelayModel:
    """Delay distributions from received lines (see the module doc)."""
    prior = prior or DelayPrior()
    by_supplier: dict[str, list[float]] = {}
    by_group: dict[tuple[str, str], list[float]] = {}
    for seen in observations:
        by_supplier.setdefault(seen.supplier, []).append(float(seen.delay_days))
        by_group.setdefault((seen.supplier, seen.item_group), []).append(float(seen.delay_days))
    default = Distribution(
        np.array([prior.default_p50, prior.default_p90], dtype=np.float64), np.array([0.5, 0.5])
    )
    own = {s: np.asarray(v, dtype=np.float64) for s, v in by_supplier.items()}
    every = np.concatenate(list(own.values())) if own else np.zeros(0)
    pool = default.mixed_with(every, prior.weight)
    return DelayModel(
        prior=prior,
        pool=pool,
        pool_receipts=int(every.size),
        own=own,
        own_by_group={k: np.asarray(v, dtype=np.float64) for k, v in by_group.items() if k[1]},
    )
