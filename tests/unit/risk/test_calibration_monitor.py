import json

import numpy as np
import pytest

from backorder.risk.calibration import PlattCalibrator, fit_platt
from backorder.risk.monitor import (
    PSI_ALERT,
    BinReference,
    bin_reference,
    feature_drift,
    population_stability,
    psi_reference,
)


def test_platt_recovers_a_known_mapping() -> None:
    rng = np.random.default_rng(1)
    log_odds = rng.normal(-3.0, 2.0, 200_000)
    truth = PlattCalibrator(slope=0.7, intercept=-1.2)
    outcome = rng.random(log_odds.size) < truth.probability(log_odds)
    fitted = fit_platt(log_odds, outcome)
    assert fitted.slope == pytest.approx(0.7, abs=0.03)
    assert fitted.intercept == pytest.approx(-1.2, abs=0.08)
    # calibrated on average: mean probability matches the observed rate
    assert fitted.probability(log_odds).mean() == pytest.approx(outcome.mean(), rel=0.02)


def test_platt_keeps_the_ranking_and_round_trips_through_json() -> None:
    calibrator = PlattCalibrator(slope=0.5, intercept=-2.0)
    odds = np.array([-5.0, -1.0, 0.0, 3.0, 800.0, -800.0])
    probability = calibrator.probability(odds)
    assert np.all(np.isfinite(probability))
    assert list(np.argsort(probability)) == list(np.argsort(odds))
    again = PlattCalibrator.from_json(json.loads(json.dumps(calibrator.to_json())))
    assert again == calibrator


def test_platt_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both"):
        fit_platt(np.zeros(10), np.zeros(10, dtype=bool))


def test_psi_is_near_zero_for_the_same_distribution() -> None:
    rng = np.random.default_rng(2)
    reference = bin_reference(rng.gamma(2.0, 10.0, 50_000))
    assert population_stability(reference, rng.gamma(2.0, 10.0, 50_000)) < 0.01


def test_psi_flags_a_shift_and_counts_unknowns() -> None:
    rng = np.random.default_rng(3)
    training = np.column_stack([rng.normal(0, 1, 20_000), rng.normal(0, 1, 20_000)])
    current = np.column_stack([rng.normal(1.5, 1, 20_000), rng.normal(0, 1, 20_000)])
    current[:5_000, 1] = np.nan  # a quarter of the values became unknown
    names = ("shifted", "gone_missing")
    drift = feature_drift(psi_reference(training, names), current, names)
    assert all(item.drifted for item in drift)
    assert all(item.psi > PSI_ALERT for item in drift)
    stable = feature_drift(psi_reference(training, names), training, names)
    assert not any(item.drifted for item in stable)


def test_reference_handles_heavy_ties_and_round_trips() -> None:
    values = np.concatenate([np.zeros(9_000), np.arange(1_000.0), [np.nan] * 100])
    reference = bin_reference(values)
    assert len(reference.shares) == len(reference.edges) + 2
    assert sum(reference.shares) == pytest.approx(1.0)
    assert reference.shares[-1] == pytest.approx(100 / values.size)
    again = BinReference.from_json(json.loads(json.dumps(reference.to_json())))
    assert again == reference
    assert population_stability(reference, values) == pytest.approx(0.0)
