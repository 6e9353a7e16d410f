"""Exception triage: how urgently a customer-facing task needs a person, and why.

Each task gets a severity from 0 to 100: a weighted mean of five factors, each scaled to
0..1 — the customer's tier, a contract for the item, the open order value (log scale up
to a cap), how many days the line is past its promise (or requested) date, and how often
this customer's promises slipped lately. The customer-service queue is worked in falling
severity, so outreach goes first to the accounts most likely to escalate. The reasons are
the factors that added most, in plain words, rendered like the risk model's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

FACTORS = ("tier", "contract", "value", "lateness", "slips")
REASONS_PER_TASK = 3
RAISES = " (raises severity)"


@dataclass(frozen=True)
class TriageWeights:
    """Weights per factor and the scales that turn facts into 0..1."""

    factors: Mapping[str, float]
    tiers: Mapping[str, float]
    value_cap: float = 50_000.0
    late_days_cap: int = 14
    slips_cap: int = 5

    def __post_init__(self) -> None:
        unknown = sorted(set(self.factors) - set(FACTORS))
        if unknown:
            raise ValueError(f"unknown factors {unknown}; known: {', '.join(FACTORS)}")
        if any(w < 0 for w in self.factors.values()):
            raise ValueError("factor weights must not be negative")
        if not any(w > 0 for w in self.factors.values()):
            raise ValueError("at least one factor needs a positive weight")
        if any(not 0.0 <= v <= 1.0 for v in self.tiers.values()):
            raise ValueError("tier factors must lie in [0, 1]")


@dataclass(frozen=True)
class TriageFacts:
    """What is known about the customer and the line behind a task."""

    customer: str
    tier: str
    contract: bool  # the customer has a contract commitment for the item
    open_value: float  # open quantity x unit price
    days_late: int  # days past the promise date (or the requested date without one)
    recent_slips: int  # promises of this customer moved later within the window
    slip_window_days: int = 30


@dataclass(frozen=True)
class Severity:
    """A task's severity, its factors (0..1) and the reasons that added most."""

    score: float  # 0..100
    factors: dict[str, float]
    reasons: tuple[str, ...]


def _phrase(name: str, facts: TriageFacts) -> str:
    if name == "tier":
        return f"{facts.tier} customer"
    if name == "contract":
        return "contract customer for the item"
    if name == "value":
        return f"open order value {facts.open_value:,.0f}"
    if name == "lateness":
        return f"{facts.days_late} day{'s' if facts.days_late != 1 else ''} past the promise date"
    return (
        f"{facts.recent_slips} promise slip{'s' if facts.recent_slips != 1 else ''} "
        f"for this customer in {facts.slip_window_days} days"
    )


def factor_values(facts: TriageFacts, weights: TriageWeights) -> dict[str, float]:
    """Each factor of the facts scaled to 0..1."""
    value = max(facts.open_value, 0.0)
    return {
        "tier": float(weights.tiers.get(facts.tier, 0.0)),
        "contract": 1.0 if facts.contract else 0.0,
        "value": min(math.log1p(value) / math.log1p(weights.value_cap), 1.0),
        "lateness": min(max(facts.days_late, 0) / weights.late_days_cap, 1.0),
        "slips": min(max(facts.recent_slips, 0) / weights.slips_cap, 1.0),
    }


def severity(facts: TriageFacts, weights: TriageWeights) -> Severity:
    """Severity 0..100 of one task with its top reasons."""
    values = factor_values(facts, weights)
    total = sum(weights.factors.values())
    share = {name: weights.factors.get(name, 0.0) * values[name] for name in FACTORS}
    score = 100.0 * sum(share.values()) / total
    ranked = sorted(
        (name for name in FACTORS if share[name] > 0), key=lambda n: (-share[n], FACTORS.index(n))
    )
    reasons = tuple(_phrase(name, facts) + RAISES for name in ranked[:REASONS_PER_TASK])
    return Severity(score=round(score, 2), factors=values, reasons=reasons)
