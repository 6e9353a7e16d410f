"""Supplier delay risk in the service: delay estimates from receipt history, and P50/P90
promise dates for available-to-promise answers.

The delay model is estimated from the purchase-order lines received in the policy's
history window (`domain.supplier_delay`) and reused for `delay_cache_seconds`, so an ATP
answer costs no extra history scan. A promise from purchase-order supply is shifted by the
supplier's (and item group's) P50 and P90 delay: the date the customer gets half the time,
and nine times in ten. Which of the three dates (the supplier's, P50, P90) an answer
promises is a policy default the caller may override.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import date, timedelta

from backorder.adapters.repositories.risk import RiskRepository
from backorder.domain.supplier_delay import DelayEstimate, DelayModel, estimate_delays
from backorder.risk.policy import PromiseBasis, RiskPolicy
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.queries import AtpAnswer
from backorder.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork

# Per service context (by identity; the weak reference tells a reused id from the original).
_cache: dict[int, tuple[weakref.ref[ServiceContext], float, date, DelayModel]] = {}
_cache_lock = threading.Lock()


def _repository(uow: UnitOfWork) -> RiskRepository:
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("supplier delays need a database unit of work")
    return RiskRepository(uow.connection)


def delay_model(ctx: ServiceContext, policy: RiskPolicy, cache_seconds: float = 0.0) -> DelayModel:
    """The supplier delay model as of today (reused for `cache_seconds`)."""
    today = ctx.clock.today()
    with _cache_lock:
        cached = _cache.get(id(ctx))
    if (
        cached is not None
        and cached[0]() is ctx
        and cached[2] == today
        and time.monotonic() - cached[1] < cache_seconds
    ):
        return cached[3]
    with ctx.reader() as uow:
        history = _repository(uow).delay_history(today, policy.supplier_delay.history_days)
    model = estimate_delays(history, policy.supplier_delay.prior())
    with _cache_lock:
        for key in [k for k, v in _cache.items() if v[0]() is None]:
            del _cache[key]
        _cache[id(ctx)] = (weakref.ref(ctx), time.monotonic(), today, model)
    return model


def supplier_delays(
    ctx: ServiceContext, policy: RiskPolicy, cache_seconds: float = 0.0
) -> tuple[DelayEstimate, list[DelayEstimate]]:
    """The pooled estimate and one per supplier with receipts."""
    model = delay_model(ctx, policy, cache_seconds)
    return model.estimate(None), [model.estimate(s) for s in model.suppliers()]


@dataclass(frozen=True)
class SourceDates:
    """One source of a promise with its P50/P90 arrival dates."""

    source_id: str
    supplier: str | None
    arrival_p50: date
    arrival_p90: date
    delay: str | None  # the delay estimate in words (purchase-order sources only)


@dataclass(frozen=True)
class ProbabilisticPromise:
    """A promise by the supplier's dates, by P50 and by P90, and the one chosen."""

    basis: PromiseBasis
    supplier_date: date | None
    p50: date | None
    p90: date | None
    sources: tuple[SourceDates, ...]

    @property
    def promised(self) -> date | None:
        """The date the basis promises."""
        return {"supplier": self.supplier_date, "p50": self.p50, "p90": self.p90}[self.basis]

    def status(self, requested: date) -> str:
        """'on_time', 'late' or 'no_supply_in_horizon' for the chosen date."""
        if self.promised is None:
            return "no_supply_in_horizon"
        return "on_time" if self.promised <= requested else "late"


def probabilistic_promise(
    ctx: ServiceContext,
    answer: AtpAnswer,
    policy: RiskPolicy,
    basis: PromiseBasis | None = None,
    cache_seconds: float = 0.0,
) -> ProbabilisticPromise:
    """P50 and P90 dates of an ATP answer; `basis` None takes the policy's default."""
    chosen: PromiseBasis = basis or policy.promising.basis
    promise = answer.promise
    ids = [answer.source_id(i) for i in range(len(promise.sources))]
    needs_model = any(not source_id.startswith("OH/") for source_id in ids)
    model = delay_model(ctx, policy, cache_seconds) if needs_model else None
    lines = {}
    groups: dict[str, str] = {}
    if model is not None:
        with ctx.reader() as uow:
            lines = uow.supply.po_lines_by_id([i for i in ids if not i.startswith("OH/")])
            groups = _repository(uow).item_groups(sorted({line.sku for line in lines.values()}))
    dated = []
    for source_id, source in zip(ids, promise.sources, strict=True):
        line = lines.get(source_id)
        if model is None or line is None:
            dated.append(SourceDates(source_id, None, source.arrival, source.arrival, None))
            continue
        estimate = model.estimate(line.supplier, groups.get(line.sku) or None)
        dated.append(
            SourceDates(
                source_id=source_id,
                supplier=line.supplier,
                arrival_p50=source.arrival + timedelta(days=estimate.p50_days),
                arrival_p90=source.arrival + timedelta(days=estimate.p90_days),
                delay=estimate.describe(),
            )
        )
    complete = promise.promise_date is not None
    p50 = max((d.arrival_p50 for d in dated), default=promise.promise_date) if complete else None
    p90 = max((d.arrival_p90 for d in dated), default=promise.promise_date) if complete else None
    if complete and promise.promise_date is not None and policy.supplier_delay.never_earlier:
        p50 = max(p50 or promise.promise_date, promise.promise_date)
        p90 = max(p90 or promise.promise_date, p50)
    return ProbabilisticPromise(chosen, promise.promise_date, p50, p90, tuple(dated))
