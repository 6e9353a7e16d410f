"""Pick requests: priority order, a full pick ships, a short pick re-opens the case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.cases import CaseState
from backorder.domain.warehouse import pick_priority
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers import fulfilment, warehouse
from backorder.service_layer.handlers.allocation import run_allocation
from tests.integration.supply_world import (
    ACTOR,
    context,
    day,
    evaluate,
    events,
    held,
    line,
    on_hand,
    open_case,
    order,
    rows,
    seed,
    tasks,
)


def test_picks_are_worked_by_promise_then_rank_and_a_full_pick_ships(
    application: Application,
) -> None:
    ctx = context(application)
    seed(ctx, east_stock=20)
    standard = order(ctx, "SO-1", 6, requested=0)
    strategic = order(ctx, "SO-2", 4, requested=0, customer="C-STR")
    later = order(ctx, "SO-3", 5, requested=2)
    run_allocation(ctx, skus=["A"], solver="priority", actor=ACTOR)
    for line_id, customer in ((standard, "C-STD"), (later, "C-STD"), (strategic, "C-STR")):
        assert evaluate(ctx, open_case(ctx, line_id, customer=customer)).state is (
            CaseState.ALLOCATED
        )

    queue = warehouse.list_picks(ctx, location="EAST", status="open")
    assert [p.line_id for p in queue] == [strategic, standard, later]
    assert [p.rank for p in queue] == [1, 2, 3]
    assert queue[0].priority == pick_priority(day(0), 1)
    assert len(events(application, "backorder.pick_request.created.v1")) == 3
    assert evaluate(ctx, f"case-{standard}").state is CaseState.RELEASED_TO_WAREHOUSE

    # Due-date shipping leaves lines the warehouse is picking alone.
    assert fulfilment.ship_due(ctx, ACTOR).lines == 0

    picked = warehouse.confirm_pick(ctx, queue[1].pick_id, 6, "wh.supervisor.east")
    assert (picked.status, picked.picked_quantity) == ("picked", 6)
    assert line(application, standard)["shipped_quantity"] == 6
    assert on_hand(application, "A", "EAST") == 14
    assert held(application, standard) == {}
    assert evaluate(ctx, f"case-{standard}").state is CaseState.CLOSED
    with pytest.raises(ConflictError):
        warehouse.confirm_pick(ctx, queue[1].pick_id, 6, "wh.supervisor.east")


def test_a_short_pick_lowers_stock_reopens_the_case_and_opens_a_task(
    application: Application,
) -> None:
    ctx = context(application)
    seed(ctx, east_stock=10)
    line_id = order(ctx, "SO-1", 10, requested=1)
    case_id = open_case(ctx, line_id)
    evaluate(ctx, case_id)
    [pick] = warehouse.list_picks(ctx)
    with pytest.raises(InvalidInputError, match="between 0 and the 10"):
        warehouse.confirm_pick(ctx, pick.pick_id, 11, "wh.supervisor.east")

    short = warehouse.confirm_pick(ctx, pick.pick_id, 6, "wh.supervisor.east")

    assert (short.status, short.picked_quantity) == ("short", 6)
    assert on_hand(application, "A", "EAST") == 6
    assert held(application, line_id) == {"OH/A/EAST": 6}  # reallocated to what is there
    [case] = rows(application, orm.backorder_cases, orm.backorder_cases.c.case_id == case_id)
    assert not case["released_to_warehouse"]
    [task] = tasks(application, "short_pick")
    assert (task["team"], task["severity"], task["case_id"]) == ("warehouse", "high", case_id)
    [confirmed] = events(application, "backorder.pick_request.confirmed.v1")
    assert confirmed["data"]["short"] is True
    assert [e["data"]["case_id"] for e in events(application, "backorder.case.changed.v1")] == [
        case_id
    ]
    assert evaluate(ctx, case_id).state is CaseState.PARTIALLY_ALLOCATED

    # When the line is whole again it is released again: a new pick request.
    with ctx.unit_of_work() as uow:
        uow.supply.add_on_hand("A", "EAST", 4, uow.clock.now())
        uow.commit()
    run_allocation(ctx, skus=["A"], solver="priority", actor=ACTOR)
    assert evaluate(ctx, case_id).state is CaseState.ALLOCATED
    assert sorted((p.status, p.quantity) for p in warehouse.list_picks(ctx)) == [
        ("open", 10),
        ("short", 10),
    ]


def test_a_pick_not_confirmed_in_time_opens_a_warehouse_task(
    application: Application, clock: FixedClock
) -> None:
    ctx = context(application)
    seed(ctx, east_stock=10)
    line_id = order(ctx, "SO-1", 10, requested=1)
    case_id = open_case(ctx, line_id)
    assert evaluate(ctx, case_id).state is CaseState.ALLOCATED  # and releases the pick
    released_at = clock.now()

    waiting = evaluate(ctx, case_id)

    assert waiting.state is CaseState.RELEASED_TO_WAREHOUSE
    assert waiting.next_check == released_at + timedelta(hours=8)  # pick_confirmation_hours
    assert tasks(application, "pick_overdue") == []

    clock.set(released_at + timedelta(hours=8, minutes=1))
    evaluate(ctx, case_id)
    evaluate(ctx, case_id)  # looked at again: still one task

    [pick] = warehouse.list_picks(ctx)
    [task] = tasks(application, "pick_overdue")
    assert (task["team"], task["case_id"], task["cause"]) == (
        "warehouse",
        case_id,
        f"pick:{pick.pick_id}",
    )
    assert "is not confirmed" in task["detail"]
    warehouse.confirm_pick(ctx, pick.pick_id, 10, "wh.supervisor.east")
    assert evaluate(ctx, case_id).state is CaseState.CLOSED
