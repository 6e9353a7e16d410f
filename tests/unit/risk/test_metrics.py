import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from backorder.risk.metrics import average_precision, roc_auc, scorecard


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ranking_metrics_match_scikit_learn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    outcome = rng.random(4000) < 0.03
    # two decimals: many tied scores, which both definitions must treat alike
    score = np.asarray(np.round(rng.random(4000) + 0.3 * outcome, 2), dtype=np.float64)
    assert roc_auc(outcome, score) == pytest.approx(roc_auc_score(outcome, score), abs=1e-12)
    assert average_precision(outcome, score) == pytest.approx(
        average_precision_score(outcome, score), abs=1e-12
    )


def test_scorecard_of_a_single_class_has_no_auc() -> None:
    card = scorecard(np.zeros(5, dtype=bool), np.full(5, 0.1))
    assert np.isnan(card.roc_auc)
    assert np.isnan(card.pr_auc)
    assert card.brier == pytest.approx(0.01)
    assert card.observed_rate == 0.0
