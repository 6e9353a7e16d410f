"""Severity of customer-facing tasks and its reasons."""

from __future__ import annotations

import pytest

from backorder.domain.triage import TriageFacts, TriageWeights, factor_values, severity

WEIGHTS = TriageWeights(
    factors={"tier": 3.0, "contract": 1.5, "value": 2.0, "lateness": 2.5, "slips": 2.0},
    tiers={"strategic": 1.0, "contract": 0.6, "standard": 0.2},
    value_cap=50_000,
    late_days_cap=14,
    slips_cap=5,
)


def _facts(**changes: object) -> TriageFacts:
    base: dict[str, object] = {
        "customer": "C",
        "tier": "standard",
        "contract": False,
        "open_value": 100.0,
        "days_late": 0,
        "recent_slips": 0,
    }
    return TriageFacts(**(base | changes))  # type: ignore[arg-type]


def test_each_factor_raises_severity() -> None:
    plain = severity(_facts(), WEIGHTS).score
    for change in (
        {"tier": "strategic"},
        {"contract": True},
        {"open_value": 20_000.0},
        {"days_late": 5},
        {"recent_slips": 2},
    ):
        assert severity(_facts(**change), WEIGHTS).score > plain, change


def test_factors_saturate_and_scores_stay_within_0_and_100() -> None:
    worst = _facts(tier="strategic", contract=True, open_value=1e9, days_late=400, recent_slips=99)
    assert factor_values(worst, WEIGHTS) == {
        "tier": 1.0,
        "contract": 1.0,
        "value": 1.0,
        "lateness": 1.0,
        "slips": 1.0,
    }
    assert severity(worst, WEIGHTS).score == 100.0
    nothing = _facts(tier="unknown", open_value=0.0, days_late=-3)
    assert severity(nothing, WEIGHTS).score == 0.0
    assert severity(nothing, WEIGHTS).reasons == ()


def test_reasons_name_the_strongest_factors_in_plain_words() -> None:
    found = severity(_facts(tier="strategic", days_late=14, recent_slips=1), WEIGHTS)
    assert found.reasons == (
        "strategic customer (raises severity)",
        "14 days past the promise date (raises severity)",
        "open order value 100 (raises severity)",
    )
    one = severity(_facts(recent_slips=1, open_value=0.0, tier="none"), WEIGHTS)
    assert one.reasons == ("1 promise slip for this customer in 30 days (raises severity)",)


def test_weights_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown factors"):
        TriageWeights(factors={"mood": 1.0}, tiers={})
    with pytest.raises(ValueError, match="negative"):
        TriageWeights(factors={"tier": -1.0}, tiers={})
    with pytest.raises(ValueError, match="positive"):
        TriageWeights(factors={"tier": 0.0}, tiers={})
    with pytest.raises(ValueError, match="tier factors"):
        TriageWeights(factors={"tier": 1.0}, tiers={"gold": 2.0})
