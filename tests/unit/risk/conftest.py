"""A small model trained once per test session on synthetic data (about a second)."""

from __future__ import annotations

import pytest

from backorder.adapters.model_store import InMemoryModelStore, ModelArtifacts
from backorder.risk.kaggle import Snapshots, parse_kaggle_text
from backorder.risk.predict import RiskModel
from backorder.risk.train import TrainedRiskModel, TrainingSettings, train_risk_model
from tests.unit.risk.synthetic import synthetic_csv

FAST = TrainingSettings(
    seed=11,
    folds=3,
    negative_bagging=(0.3, 1.0),
    max_rounds=60,
    broad_rounds=30,
    broad_min_child_samples=20,
    detail_leaves=15,
    detail_min_child_samples=10,
    threads=1,
)


@pytest.fixture(scope="session")
def labelled() -> Snapshots:
    return parse_kaggle_text(synthetic_csv(5000, seed=3), source="synthetic.csv")


@pytest.fixture(scope="session")
def trained(labelled: Snapshots) -> TrainedRiskModel:
    return train_risk_model(labelled, FAST)


@pytest.fixture(scope="session")
def risk_model(trained: TrainedRiskModel) -> RiskModel:
    store = InMemoryModelStore()
    version = store.save(
        ModelArtifacts(
            trained.booster_text,
            trained.calibrator.to_json(),
            trained.metadata("0" * 64, "synthetic.csv"),
        )
    )
    store.promote(version, actor="test", reason="fixture")
    stored = store.load()
    parts = stored.artifacts
    return RiskModel.from_parts(
        stored.version, parts.booster_text, parts.calibrator, parts.metadata
    )
