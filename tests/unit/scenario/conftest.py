"""Shared small reference scenarios (generated once per test session)."""

from __future__ import annotations

import pytest

from backorder.scenario.reference import ReferenceScenario, ReferenceSpec, generate


@pytest.fixture(scope="session")
def small() -> ReferenceScenario:
    """The unit-test miniature: 300 items, 60 customers, 30 days."""
    return generate(ReferenceSpec.small(seed=11))


@pytest.fixture(scope="session")
def medium() -> ReferenceScenario:
    """Long enough for supplier behaviour to show: 600 items, 100 customers, 60 days."""
    return generate(ReferenceSpec(seed=5, days=60, items=600, customers=100, lines_per_day=170.0))
