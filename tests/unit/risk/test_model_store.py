import json
from pathlib import Path

import pytest

from backorder.adapters.model_store import (
    AUDIT_FILE,
    FileModelStore,
    InMemoryModelStore,
    ModelArtifacts,
    ModelStore,
    ModelStoreError,
)


def _artifacts(tag: str) -> ModelArtifacts:
    return ModelArtifacts(
        booster_text=f"tree\nversion=v4\n{tag}\n",
        calibrator={"method": "platt", "slope": 1.0, "intercept": -2.0},
        metadata={"training_data": {"sha256": "ab" * 32}, "metrics": {"roc_auc": float("nan")}},
    )


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ModelStore:
    if request.param == "file":
        return FileModelStore(tmp_path / "models")
    return InMemoryModelStore()


def test_saved_versions_are_numbered_stamped_and_inactive(store: ModelStore) -> None:
    assert store.versions() == []
    assert store.active_version() is None
    first = store.save(_artifacts("one"))
    second = store.save(_artifacts("two"))
    assert (first, second) == ("v0001", "v0002")
    assert store.versions() == ["v0001", "v0002"]
    assert store.active_version() is None
    loaded = store.load("v0002")
    assert loaded.artifacts.booster_text.endswith("two\n")
    assert loaded.artifacts.metadata["version"] == "v0002"
    assert loaded.artifacts.metadata["created_at"].endswith("+00:00")
    assert loaded.artifacts.metadata["metrics"]["roc_auc"] is None  # NaN is not JSON


def test_promotion_is_audited_and_switches_the_active_version(store: ModelStore) -> None:
    store.save(_artifacts("one"))
    store.save(_artifacts("two"))
    with pytest.raises(ModelStoreError, match="no active model"):
        store.load()
    store.promote("v0001", actor="ana", reason="first model")
    promotion = store.promote("v0002", actor="ben", reason="better PR AUC")
    assert store.active_version() == "v0002"
    assert store.load().version == "v0002"
    assert (promotion.from_version, promotion.to_version) == ("v0001", "v0002")
    trail = store.audit_trail()
    assert [(p.actor, p.from_version, p.to_version, p.reason) for p in trail] == [
        ("ana", None, "v0001", "first model"),
        ("ben", "v0001", "v0002", "better PR AUC"),
    ]
    assert all(p.at for p in trail)


def test_promotion_needs_a_known_version_an_actor_and_a_reason(store: ModelStore) -> None:
    store.save(_artifacts("one"))
    with pytest.raises(ModelStoreError, match="v0009"):
        store.promote("v0009", actor="ana", reason="typo")
    with pytest.raises(ValueError, match="actor and a reason"):
        store.promote("v0001", actor="ana", reason=" ")
    assert store.active_version() is None
    assert store.audit_trail() == []


def test_unknown_version_is_refused(store: ModelStore) -> None:
    with pytest.raises(ModelStoreError, match="v0042"):
        store.load("v0042")


def test_file_layout_and_audit_log(tmp_path: Path) -> None:
    root = tmp_path / "models"
    store = FileModelStore(root)
    version = store.save(_artifacts("one"))
    store.promote(version, actor="ana", reason="first model")
    folder = root / "versions" / version
    assert sorted(p.name for p in folder.iterdir()) == [
        "calibrator.json",
        "metadata.json",
        "model.txt",
    ]
    assert not [p for p in (root / "versions").iterdir() if p.name.startswith(".")]
    assert (root / "ACTIVE").read_text().strip() == version
    record = json.loads((root / AUDIT_FILE).read_text().splitlines()[0])
    assert record == {
        "action": "promote",
        "at": record["at"],
        "actor": "ana",
        "from": None,
        "to": "v0001",
        "reason": "first model",
    }
    # A second store object on the same directory sees the same state.
    assert FileModelStore(root).load().version == version
