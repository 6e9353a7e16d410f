"""Size, shape and seed of the reference-distributor scenario."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np

REGIONS = ("east", "central", "west")
SURGE_GROUP = "hydraulic fittings"
# Orders per weekday relative to an average weekday (Monday first): industrial buyers
# order early in the week and hardly at all at weekends.
WEEKDAY_FACTOR = np.array([1.18, 1.12, 1.06, 1.0, 0.84, 0.1, 0.03])


@dataclass(frozen=True, slots=True)
class ReferenceSpec:
    """What to generate: sizes, horizon, seed and the demand surge.

    `scale` multiplies items, customers and order volume together so a test can ask for
    a small but proportionate world; `small()` is the preset the unit tests use.
    """

    seed: int = 2026
    days: int = 90
    items: int = 5_000
    customers: int = 800
    suppliers: int = 20
    start: date = date(2026, 9, 1)
    surge_factor: float = 4.0
    surge_first_day: int = 14  # first day of the surge, counted from `start`
    surge_last_day: int = 34  # last day of the surge (inclusive)
    surge_group: str = SURGE_GROUP
    surge_share: float = 0.06  # share of baseline order lines in the surge group
    lines_per_day: float = 1_250.0  # baseline order lines per calendar day
    substitute_share: float = 0.10  # share of items with substitutes
    unreliable_suppliers: int = 2
    review_days: int = 7  # replenishment review period of the world's buyers
    cancel_share: float = 0.015
    change_share: float = 0.02
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be >= 1")
        if self.n_items < 50 or self.n_customers < 10:
            raise ValueError("need at least 50 items and 10 customers")
        if self.suppliers < 4 or not 0 <= self.unreliable_suppliers <= self.suppliers // 2:
            raise ValueError("need >= 4 suppliers and at most half of them unreliable")
        if self.surge_factor < 1.0:
            raise ValueError("surge_factor must be >= 1")

    @classmethod
    def small(cls, seed: int = 2026) -> ReferenceSpec:
        """A fast, proportionate miniature for unit tests (300 items, 60 customers, 30 days)."""
        return cls(seed=seed, days=30, items=300, customers=60, lines_per_day=100.0)

    def with_seed(self, seed: int) -> ReferenceSpec:
        """The same spec with another seed."""
        return replace(self, seed=seed)

    @property
    def n_items(self) -> int:
        """Number of items after scaling."""
        return max(round(self.items * self.scale), 1)

    @property
    def n_customers(self) -> int:
        """Number of customers after scaling."""
        return max(round(self.customers * self.scale), 1)

    @property
    def target_lines_per_day(self) -> float:
        """Baseline order lines per day after scaling."""
        return self.lines_per_day * self.scale
