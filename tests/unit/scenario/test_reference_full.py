"""The full-size reference scenario: minimum sizes and the demand surge (slow)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from backorder.domain.model import Tier
from backorder.scenario.reference import ReferenceSpec, generate
from backorder.scenario.reference.stats import surge_ratios


@pytest.mark.slow
def test_full_default_scenario() -> None:
    began = time.perf_counter()
    scenario = generate(ReferenceSpec())
    elapsed = time.perf_counter() - began
    assert elapsed < 20  # ~2 s on a 2-core machine; generous for busy CI runners
    summary = scenario.summary()
    assert summary["items"] == len(scenario.items) >= 5_000
    assert summary["customers"] == len(scenario.customers) >= 800
    assert summary["suppliers"] == len(scenario.suppliers) >= 20
    assert summary["order_lines"] == sum(1 for _ in scenario.order_lines()) >= 100_000
    tiers = Counter(c.tier for c in scenario.customers)
    assert tiers[Tier.STRATEGIC] == 40
    assert tiers[Tier.CONTRACT] == 200
    share = sum(1 for i in scenario.items if i.substitutes) / len(scenario.items)
    assert 0.08 <= share <= 0.12
    ship_complete = sum(c.ship_complete for c in scenario.customers) / len(scenario.customers)
    assert 0.07 <= ship_complete <= 0.13
    ratios = surge_ratios(scenario)
    assert set(ratios) == {"east", "central", "west"}
    for region, ratio in ratios.items():
        assert 3.4 <= ratio <= 4.6, (region, ratio)
    first, last = scenario.spec.surge_first_day, scenario.spec.surge_last_day
    before = max(scenario.surge_backlog[:first])
    assert max(scenario.surge_backlog[first : last + 1]) > 5 * before
