"""Backorder risk in the service: score every item x DC, store the scores, raise tasks.

`score_all_items` is the scheduled job (a `PeriodicTask` of the background services): it
reads the facts of every item x DC from the database, scores them with the active model
of the model store, replaces the stored scores, and opens a `backorder_risk` task for
procurement for each item x DC at or above the policy threshold, with the model's reasons
(once per item x DC and day: the task's cause carries the date). AI recommends; the
threshold and the task type are policy.

LightGBM is imported only when a model is loaded, so that importing this module (the API
does) stays cheap.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from backorder.adapters.model_store import FileModelStore, ModelStore, ModelStoreError
from backorder.adapters.repositories.risk import RiskRepository, StoredScore
from backorder.risk.database_features import ItemLocationFacts, snapshots_from_facts
from backorder.risk.policy import RiskPolicy, default_risk_policy, load_risk_policy
from backorder.risk.settings import RiskSettings
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import open_task
from backorder.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork

if TYPE_CHECKING:
    from backorder.bootstrap import Application
    from backorder.risk.monitor import FeatureDrift
    from backorder.risk.predict import RiskModel

log = structlog.get_logger(__name__)
TASK_TYPE = "backorder_risk"
SYSTEM_ACTOR = "risk-scoring"


class NoActiveModelError(LookupError):
    """The model store has no active model yet: nothing can be scored."""


@dataclass
class RiskService:
    """What the risk handlers need besides the service context: model store and policy."""

    context: ServiceContext
    store: ModelStore
    policy: RiskPolicy = field(default_factory=default_risk_policy)
    settings: RiskSettings = field(default_factory=RiskSettings)
    _models: dict[str, RiskModel] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def active_model(self) -> RiskModel:
        """The active model, loaded once per version."""
        try:
            version = self.store.active_version()
            if version is None:
                raise ModelStoreError("no active model")
            with self._lock:
                cached = self._models.get(version)
                if cached is not None:
                    return cached
            stored = self.store.load(version)
        except ModelStoreError as error:
            raise NoActiveModelError(
                f"no active backorder-risk model: train one with `backorder risk train` ({error})"
            ) from None
        from backorder.risk.predict import RiskModel

        parts = stored.artifacts
        model = RiskModel.from_parts(
            stored.version, parts.booster_text, parts.calibrator, parts.metadata
        )
        with self._lock:
            self._models = {stored.version: model}
        return model


def risk_service(application: Application, settings: RiskSettings | None = None) -> RiskService:
    """The risk service of a wired application (model store under its home by default)."""
    settings = settings or RiskSettings()
    policy = (
        load_risk_policy(settings.policy_file) if settings.policy_file else default_risk_policy()
    )
    store = FileModelStore(settings.store_directory(Path(application.settings.home)))
    return RiskService(application.context, store, policy, settings)


def _repository(uow: UnitOfWork) -> RiskRepository:
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("risk scoring needs a database unit of work")
    return RiskRepository(uow.connection)


def item_location_facts(ctx: ServiceContext) -> ItemLocationFacts:
    """Facts of every item x DC as of today."""
    with ctx.reader() as uow:
        return _repository(uow).item_location_facts(uow.today)


@dataclass(frozen=True)
class ScoringRun:
    """What one scoring run did."""

    model_version: str
    scored: int
    explained: int
    above_threshold: int
    tasks_opened: int
    threshold: float
    seconds: float


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def score_all_items(service: RiskService) -> ScoringRun:
    """Score every item x DC, store the scores, open tasks above the threshold."""
    started = time.perf_counter()
    from backorder.risk.predict import score

    model = service.active_model()
    ctx = service.context
    facts = item_location_facts(ctx)
    rows = snapshots_from_facts(facts)
    threshold = service.policy.scoring.task_threshold
    result = score(model, rows, service.policy.scoring.explain_top, explain_above=threshold)
    matrix = model.matrix(rows) if len(rows) else None
    names = model.feature_names
    above = [i for i in range(len(rows)) if result.probability[i] >= threshold]
    opened = 0
    with ctx.unit_of_work() as uow:
        now = uow.clock.now()
        stored: list[dict[str, Any]] = [
            {
                "sku": str(facts.sku[i]),
                "location": str(facts.location[i]),
                "probability": round(float(result.probability[i]), 6),
                "reasons": [r for r in result.reasons[i].tolist() if r],
                # Inputs are kept for the explained rows (the ones a planner looks at).
                "features": {name: _finite(float(matrix[i, j])) for j, name in enumerate(names)}
                if matrix is not None and result.reasons[i][0]
                else {},
                "model_version": result.model_version,
                "scored_at": now,
            }
            for i in range(len(rows))
        ]
        _repository(uow).replace_scores(stored)
        for i in above:
            row = stored[i]
            reasons = "\n".join(f"- {reason}" for reason in row["reasons"]) or "- (no reasons)"
            task_id = open_task(
                uow,
                ctx,
                cause=f"risk/{row['sku']}/{row['location']}/{uow.today.isoformat()}",
                case_id=None,
                task_type=TASK_TYPE,
                subject=(
                    f"Backorder risk {row['probability']:.0%}: {row['sku']} at {row['location']}"
                ),
                detail=(
                    f"The backorder-risk model ({row['model_version']}) gives {row['sku']} at "
                    f"{row['location']} a {row['probability']:.0%} chance of a backorder "
                    f"(policy threshold {threshold:.0%}). Why:\n{reasons}"
                ),
            )
            opened += task_id is not None
        uow.platform.audit(
            actor=SYSTEM_ACTOR,
            action="risk.scored",
            subject="risk/item-locations",
            before=None,
            after={
                "model_version": result.model_version,
                "scored": len(stored),
                "above_threshold": len(above),
                "tasks_opened": opened,
                "threshold": threshold,
            },
            now=now,
        )
        uow.commit()
    run = ScoringRun(
        model_version=result.model_version,
        scored=len(rows),
        explained=result.explained_rows,
        above_threshold=len(above),
        tasks_opened=opened,
        threshold=threshold,
        seconds=round(time.perf_counter() - started, 3),
    )
    log.info("risk_scored", **run.__dict__)
    return run


def scheduled_scoring(service: RiskService) -> ScoringRun | None:
    """The background job: score, or do nothing (quietly) while no model is active."""
    try:
        return score_all_items(service)
    except NoActiveModelError:
        log.info("risk_scoring_skipped", reason="no active model")
        return None


@dataclass(frozen=True)
class ScorePage:
    """A page of stored scores and the cursor of the next page."""

    scores: list[StoredScore]
    next_cursor: tuple[float, str, str] | None


def list_scores(
    ctx: ServiceContext,
    *,
    min_probability: float,
    sku: str | None,
    location: str | None,
    after: tuple[float, str, str] | None,
    limit: int,
) -> ScorePage:
    """Stored scores at or above a probability, riskiest first."""
    with ctx.reader() as uow:
        found = _repository(uow).scores(
            min_probability=min_probability,
            sku=sku,
            location=location,
            after=after,
            limit=limit + 1,
        )
    more = len(found) > limit
    found = found[:limit]
    last = found[-1] if more and found else None
    return ScorePage(found, (last.probability, last.sku, last.location) if last else None)


@dataclass(frozen=True)
class DriftReport:
    """PSI of each feature between the model's training data and today's item x DCs."""

    model_version: str
    rows: int
    psi_alert: float
    features: list[FeatureDrift]

    @property
    def drifted(self) -> list[str]:
        """Features above the alert level."""
        return [d.feature for d in self.features if d.drifted]


def drift_report(service: RiskService) -> DriftReport:
    """Population stability of each feature of the current item x DCs against training."""
    from backorder.risk.monitor import feature_drift

    model = service.active_model()
    rows = snapshots_from_facts(item_location_facts(service.context))
    alert = service.policy.drift.psi_alert
    drift: list[Any] = (
        feature_drift(model.psi_reference, model.matrix(rows), model.feature_names, alert)
        if len(rows)
        else []
    )
    return DriftReport(model.version, len(rows), alert, drift)
