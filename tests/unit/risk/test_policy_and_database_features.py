"""The risk policy file, and database facts put into the model's Kaggle schema."""

from __future__ import annotations

import numpy as np
import pytest

from backorder.domain.errors import PolicyError
from backorder.risk.database_features import (
    MONTH_WINDOWS,
    ItemLocationFacts,
    empty_facts,
    snapshots_from_facts,
)
from backorder.risk.kaggle import FEATURE_COLUMNS
from backorder.risk.policy import default_risk_policy, parse_risk_policy
from backorder.risk.predict import RiskModel, score


def test_the_shipped_policy_loads() -> None:
    policy = default_risk_policy()
    assert policy.scoring.task_threshold == 0.5
    assert policy.promising.basis == "supplier"
    assert policy.drift.psi_alert == 0.25
    assert policy.supplier_messages.task_type == "supplier_message_review"
    assert policy.triage.domain().tiers["strategic"] == 1.0


def test_a_malformed_policy_is_refused_with_every_field_named() -> None:
    with pytest.raises(PolicyError) as refused:
        parse_risk_policy(
            "scoring: {task_threshold: 2}\npromising: {basis: p75}\nnonsense: 1\n", "bad.yaml"
        )
    text = str(refused.value)
    assert "scoring.task_threshold" in text
    assert "promising.basis" in text
    assert "nonsense" in text
    with pytest.raises(PolicyError, match="triage"):
        parse_risk_policy("triage: {weights: {mood: 1}}")
    with pytest.raises(PolicyError, match="not valid YAML"):
        parse_risk_policy("scoring: [")


def _facts() -> ItemLocationFacts:
    n = 3
    return ItemLocationFacts(
        sku=np.array(["A", "A", "B"]),
        location=np.array(["EAST", "WEST", "EAST"]),
        on_hand=np.array([5.0, 0.0, 100.0]),
        lead_time_days=np.array([14.0, 14.0, np.nan]),
        on_order=np.array([10.0, 0.0, 0.0]),
        past_due=np.array([10.0, 0.0, 0.0]),
        ordered={m: np.full(n, 10.0 * m) for m in MONTH_WINDOWS},
        shipped={m: np.full(n, 8.0 * m) for m in MONTH_WINDOWS},
        safety_stock=np.array([2.0, 2.0, 0.0]),
        backordered=np.array([3.0, 0.0, 0.0]),
        on_time_6m=np.array([0.5, 0.5, np.nan]),
        on_time_12m=np.array([0.6, 0.6, np.nan]),
    )


def test_database_facts_become_kaggle_snapshots() -> None:
    rows = snapshots_from_facts(_facts())
    assert rows.sku.tolist() == ["A@EAST", "A@WEST", "B@EAST"]
    assert set(rows.values) == set(FEATURE_COLUMNS)
    assert rows.column("lead_time").tolist()[:2] == [2.0, 2.0]  # weeks
    assert np.isnan(rows.column("lead_time")[2])
    assert rows.column("forecast_3_month").tolist() == [30.0, 30.0, 30.0]
    assert rows.column("sales_1_month").tolist() == [8.0, 8.0, 8.0]
    assert rows.column("pieces_past_due").tolist() == [10.0, 0.0, 0.0]
    assert rows.column("local_bo_qty").tolist() == [3.0, 0.0, 0.0]
    assert rows.column("deck_risk").tolist() == [0.0, 0.0, 0.0]
    assert rows.went_on_backorder is None
    assert len(snapshots_from_facts(empty_facts())) == 0


def test_the_kaggle_model_scores_database_rows(risk_model: RiskModel) -> None:
    scored = score(risk_model, snapshots_from_facts(_facts()), explain_top=0, explain_above=0.0)
    assert scored.probability.shape == (3,)
    assert np.all((scored.probability > 0) & (scored.probability < 1))
    assert scored.explained_rows == 3  # everything reaches probability 0
    assert all(r for r in scored.reasons[:, 0])
