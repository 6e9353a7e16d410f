"""Versioned store of risk models, with exactly one active version and an audited promotion.

A version is three files written together: the LightGBM booster in its text format, the
calibrator as JSON and a metadata JSON (version id, creation time, training data
fingerprint, counts, parameters, metrics, features, drift reference). Nothing is pickled,
so a stored model can be read and reviewed without running code from it.

File layout under the store's root directory::

    versions/v0001/model.txt  calibrator.json  metadata.json
    ACTIVE           the active version id
    audit.jsonl      one line per promotion: when, who, from, to, why

A version directory is written under a temporary name and renamed into place, and the
active pointer is replaced atomically, so a crash never leaves a half-written version or
pointer. Saving a version does not activate it: activation is always an audited promotion.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

BOOSTER_FILE = "model.txt"
CALIBRATOR_FILE = "calibrator.json"
METADATA_FILE = "metadata.json"
ACTIVE_FILE = "ACTIVE"
AUDIT_FILE = "audit.jsonl"
_VERSION = re.compile(r"^v(\d{4,})$")


class ModelStoreError(LookupError):
    """A version does not exist, or no version is active yet."""


@dataclass(frozen=True)
class ModelArtifacts:
    """What a model version consists of."""

    booster_text: str
    calibrator: dict[str, Any]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class StoredModel:
    """A model version as read back from the store."""

    version: str
    artifacts: ModelArtifacts


@dataclass(frozen=True)
class Promotion:
    """One audited change of the active version."""

    at: str
    actor: str
    from_version: str | None
    to_version: str
    reason: str


class ModelStore(Protocol):
    """Port for keeping model versions and choosing the active one."""

    def save(self, artifacts: ModelArtifacts) -> str:
        """Store a new version (inactive) and return its id."""
        ...

    def load(self, version: str | None = None) -> StoredModel:
        """A stored version; the active one when `version` is None."""
        ...

    def versions(self) -> list[str]:
        """All version ids, oldest first."""
        ...

    def active_version(self) -> str | None:
        """The active version id, or None before the first promotion."""
        ...

    def promote(self, version: str, actor: str, reason: str) -> Promotion:
        """Make `version` the active one, recording who did it and why."""
        ...

    def audit_trail(self) -> list[Promotion]:
        """Every promotion, oldest first."""
        ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _version_id(number: int) -> str:
    return f"v{number:04d}"


def _stamped(artifacts: ModelArtifacts, version: str) -> ModelArtifacts:
    metadata = {**artifacts.metadata, "version": version, "created_at": _now()}
    return ModelArtifacts(artifacts.booster_text, artifacts.calibrator, metadata)


def _check_promotion(actor: str, reason: str) -> None:
    if not actor.strip() or not reason.strip():
        raise ValueError("a promotion needs an actor and a reason")


class FileModelStore:
    """Model versions in a directory on the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def _versions_dir(self) -> Path:
        return self.root / "versions"

    def save(self, artifacts: ModelArtifacts) -> str:
        """Store a new version (inactive) and return its id."""
        self._versions_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=self._versions_dir))
        while True:
            existing = [int(m.group(1)) for v in self.versions() if (m := _VERSION.match(v))]
            version = _version_id(max(existing, default=0) + 1)
            stamped = _stamped(artifacts, version)
            (staging / BOOSTER_FILE).write_text(stamped.booster_text, encoding="utf-8")
            _write_json(staging / CALIBRATOR_FILE, stamped.calibrator)
            _write_json(staging / METADATA_FILE, stamped.metadata)
            try:
                # Renaming onto an existing version fails: two writers never share an id.
                staging.rename(self._versions_dir / version)
            except OSError:
                if (self._versions_dir / version).exists():
                    continue
                raise
            return version

    def load(self, version: str | None = None) -> StoredModel:
        """A stored version; the active one when `version` is None."""
        chosen = version or self.active_version()
        if chosen is None:
            raise ModelStoreError(f"no active model in {self.root}; promote a version first")
        folder = self._versions_dir / chosen
        if not _VERSION.match(chosen) or not folder.is_dir():
            raise ModelStoreError(f"no model version {chosen!r} in {self.root}")
        return StoredModel(
            version=chosen,
            artifacts=ModelArtifacts(
                booster_text=(folder / BOOSTER_FILE).read_text(encoding="utf-8"),
                calibrator=json.loads((folder / CALIBRATOR_FILE).read_text(encoding="utf-8")),
                metadata=json.loads((folder / METADATA_FILE).read_text(encoding="utf-8")),
            ),
        )

    def versions(self) -> list[str]:
        """All version ids, oldest first."""
        if not self._versions_dir.is_dir():
            return []
        found = [p.name for p in self._versions_dir.iterdir() if _VERSION.match(p.name)]
        return sorted(found, key=lambda name: int(name[1:]))

    def active_version(self) -> str | None:
        """The active version id, or None before the first promotion."""
        pointer = self.root / ACTIVE_FILE
        if not pointer.exists():
            return None
        return pointer.read_text(encoding="utf-8").strip() or None

    def promote(self, version: str, actor: str, reason: str) -> Promotion:
        """Make `version` the active one, recording who did it and why."""
        _check_promotion(actor, reason)
        if version not in self.versions():
            raise ModelStoreError(f"no model version {version!r} in {self.root}")
        promotion = Promotion(_now(), actor, self.active_version(), version, reason)
        # The audit line is written first: an activation is never without its record.
        with (self.root / AUDIT_FILE).open("a", encoding="utf-8") as log:
            log.write(json.dumps(_audit_record(promotion), sort_keys=True) + "\n")
            log.flush()
            os.fsync(log.fileno())
        _replace_text(self.root / ACTIVE_FILE, version + "\n")
        return promotion

    def audit_trail(self) -> list[Promotion]:
        """Every promotion, oldest first."""
        log = self.root / AUDIT_FILE
        if not log.exists():
            return []
        lines = log.read_text(encoding="utf-8").splitlines()
        return [_promotion(json.loads(line)) for line in lines if line.strip()]


class InMemoryModelStore:
    """The same contract in memory: for tests and for throw-away experiments."""

    def __init__(self) -> None:
        self._models: dict[str, ModelArtifacts] = {}
        self._active: str | None = None
        self._audit: list[Promotion] = []

    def save(self, artifacts: ModelArtifacts) -> str:
        """Store a new version (inactive) and return its id."""
        version = _version_id(len(self._models) + 1)
        stamped = _stamped(artifacts, version)
        # A JSON round trip holds the fake to the file store's rule: JSON only, no objects.
        self._models[version] = ModelArtifacts(
            stamped.booster_text,
            json.loads(_json_text(stamped.calibrator)),
            json.loads(_json_text(stamped.metadata)),
        )
        return version

    def load(self, version: str | None = None) -> StoredModel:
        """A stored version; the active one when `version` is None."""
        chosen = version or self._active
        if chosen is None:
            raise ModelStoreError("no active model; promote a version first")
        if chosen not in self._models:
            raise ModelStoreError(f"no model version {chosen!r}")
        return StoredModel(chosen, self._models[chosen])

    def versions(self) -> list[str]:
        """All version ids, oldest first."""
        return list(self._models)

    def active_version(self) -> str | None:
        """The active version id, or None before the first promotion."""
        return self._active

    def promote(self, version: str, actor: str, reason: str) -> Promotion:
        """Make `version` the active one, recording who did it and why."""
        _check_promotion(actor, reason)
        if version not in self._models:
            raise ModelStoreError(f"no model version {version!r}")
        promotion = Promotion(_now(), actor, self._active, version, reason)
        self._audit.append(promotion)
        self._active = version
        return promotion

    def audit_trail(self) -> list[Promotion]:
        """Every promotion, oldest first."""
        return list(self._audit)


def _audit_record(promotion: Promotion) -> dict[str, Any]:
    return {
        "action": "promote",
        "at": promotion.at,
        "actor": promotion.actor,
        "from": promotion.from_version,
        "to": promotion.to_version,
        "reason": promotion.reason,
    }


def _promotion(record: dict[str, Any]) -> Promotion:
    return Promotion(
        at=record["at"],
        actor=record["actor"],
        from_version=record["from"],
        to_version=record["to"],
        reason=record["reason"],
    )


def _json_ready(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN (e.g. an AUC of a one-class set) is not JSON
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def _json_text(data: dict[str, Any]) -> str:
    return json.dumps(_json_ready(data), indent=2, sort_keys=True, allow_nan=False)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(_json_text(data), encoding="utf-8")


def _replace_text(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
