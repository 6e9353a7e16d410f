"""Supplier delay quantiles with a pooled prior."""

from __future__ import annotations

from datetime import date

import pytest

from backorder.domain.supplier_delay import DelayObservation, DelayPrior, estimate_delays


def _seen(supplier: str, *delays: int, group: str = "g") -> list[DelayObservation]:
    return [DelayObservation(supplier, group, d) for d in delays]


def test_without_history_the_defaults_apply() -> None:
    model = estimate_delays([], DelayPrior(weight=5, default_p50=1, default_p90=9))
    found = model.estimate("ANY")
    assert (found.p50_days, found.p90_days, found.receipts) == (1, 9, 0)
    assert model.dates(date(2026, 12, 1), "ANY") == (date(2026, 12, 2), date(2026, 12, 10))
    assert "no receipts of its own" in found.describe()


def test_a_supplier_with_much_history_is_judged_by_itself() -> None:
    history = _seen("SLOW", *([10] * 200)) + _seen("FAST", *([0] * 200))
    model = estimate_delays(history, DelayPrior(weight=8))
    assert model.estimate("SLOW").p50_days == 10
    assert model.estimate("FAST").p90_days == 0
    # The pool is everyone: half late by 10 days.
    assert model.estimate(None).p90_days == 10


def test_a_supplier_with_little_history_leans_on_the_pool() -> None:
    history = _seen("BIG", *([2] * 100)) + _seen("NEW", 30)
    model = estimate_delays(history, DelayPrior(weight=8))
    new = model.estimate("NEW")
    assert new.receipts == 1
    assert new.p50_days == 2  # one 30-day receipt against the pool counted as 8
    assert new.p90_days == 30
    assert estimate_delays(history, DelayPrior(weight=0)).estimate("NEW").p50_days == 30


def test_item_groups_refine_the_supplier_and_early_receipts_never_promise_earlier() -> None:
    history = _seen("S", *([-3] * 40), group="bolts") + _seen("S", *([12] * 40), group="pumps")
    model = estimate_delays(history, DelayPrior(weight=4))
    assert model.estimate("S", "pumps").p50_days == 12
    assert model.estimate("S", "bolts").p90_days == 0  # -3 days early, clamped at 0
    assert model.estimate("S", "unknown").receipts == 80  # the supplier as a whole
    early = estimate_delays(history, DelayPrior(weight=4, never_earlier=False))
    assert early.estimate("S", "bolts").p50_days == -3
    assert early.estimate("S", "bolts").on_time_share == 1.0


def test_quantiles_are_monotone_and_weights_validated() -> None:
    model = estimate_delays(_seen("S", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), DelayPrior(weight=0))
    found = model.estimate("S")
    assert (found.p50_days, found.p90_days) == (4, 8)
    with pytest.raises(ValueError, match="negative"):
        DelayPrior(weight=-1)
    with pytest.raises(ValueError, match="P90"):
        DelayPrior(default_p50=5, default_p90=2)
