"""The real DBOS runtime: a held case's workflow waits (news does not move it) and carries on
once released. SQLite only: the durable runtime is the same on both backends."""

from __future__ import annotations

import pytest

from backorder.bootstrap import Application
from backorder.domain.cases import CaseState
from backorder.service_layer.handlers import case_overrides, supply
from backorder.workflows.dispatcher import dispatch_once
from tests.integration.durable import evaluations, until
from tests.integration.orchestration import ACTOR, place, seed


def _state(application: Application, case_id: str) -> CaseState | None:
    with application.context.reader() as uow:
        case = uow.cases.get(case_id)
    return case.state if case is not None else None


def _actions(application: Application, case_id: str) -> set[str]:
    with application.context.reader() as uow:
        return {a["key"] for a in uow.cases.actions(case_id)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_held_case_waits_until_it_is_released(running: Application) -> None:
    application, ctx = running, running.context
    seed(application)
    line = place(application, "SO-1", "C-STD", "A", 5)  # no stock: backordered
    case = f"case-{line}"

    assert len(dispatch_once(ctx).opened) == 1
    until("the workflow evaluated the new case", lambda: evaluations(case) >= 1)
    case_overrides.hold_case(ctx, case, "customer disputes the order", "planner")
    dispatch_once(ctx)
    until("the case is on hold", lambda: _state(application, case) is CaseState.ON_HOLD)

    # Stock arrives: the line is allocated and the case woken, but it stays on hold and
    # does not release anything to the warehouse.
    before = evaluations(case)
    supply.set_stock(ctx, [supply.StockLevel("A", "EAST", 5)], ACTOR)
    assert len(dispatch_once(ctx).woken) == 1
    until("the held case looked at the news", lambda: evaluations(case) > before)
    assert _state(application, case) is CaseState.ON_HOLD
    assert "release" not in _actions(application, case)

    case_overrides.release_case(ctx, case, "dispute settled", "planner")
    dispatch_once(ctx)
    until("the released case picks the stock", lambda: "release" in _actions(application, case))
    until(
        "the case moved on",
        lambda: _state(application, case) in (CaseState.ALLOCATED, CaseState.RELEASED_TO_WAREHOUSE),
    )
    with ctx.reader() as uow:
        states = [h["to_state"] for h in uow.cases.history(case)]
    held_at = states.index("on_hold")
    assert held_at > 0
    assert states[held_at + 1] in ("allocated", "released_to_warehouse")
