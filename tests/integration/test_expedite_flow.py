"""A slipped promise: premium freight or a transfer, approved by policy or by a planner."""

from __future__ import annotations

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import expedite, purchasing
from tests.integration.supply_world import (
    context,
    day,
    evaluate,
    held,
    line,
    on_hand,
    open_case,
    order,
    rows,
    seed,
    tasks,
)


def _po(ctx: ServiceContext, quantity: int, due: int) -> None:
    purchasing.create_purchase_order(
        ctx,
        "PO-1",
        "ACME",
        [purchasing.PurchaseOrderLineInput("A", "EAST", quantity, day(due), 4.0)],
        "buyer",
    )
    purchasing.confirm_po_line(ctx, "PO-1", 1, day(due), None, "edi")


def _costs(application: Application) -> list[dict[str, object]]:
    return rows(application, orm.expedite_costs)


def test_cheap_premium_freight_is_approved_by_policy_and_flies_once(
    application: Application,
) -> None:
    ctx = context(application, expedite=True)
    seed(ctx)
    _po(ctx, 10, due=20)
    line_id = order(ctx, "SO-1", 10)
    case_id = open_case(ctx, line_id)

    evaluate(ctx, case_id)

    [proposal] = expedite.list_expedites(ctx)
    assert (proposal.kind, proposal.source_id, proposal.quantity, proposal.cost) == (
        "premium_freight",
        "PO-1/1",
        10,
        20.0,
    )
    assert (proposal.status, proposal.decided_by) == ("approved", "policy")
    assert (proposal.current_promise, proposal.new_promise) == (day(20), day(15))
    [cost] = _costs(application)
    assert (cost["line_id"], cost["cost"], cost["approved_by"]) == (line_id, 20.0, "policy")
    [po_line] = rows(application, orm.purchase_order_lines)
    assert po_line["confirmed_date"] == day(15)
    assert line(application, line_id)["promise_date"] == day(15)

    # Still later than the service level, but the receipt already flew: nothing more.
    evaluate(ctx, case_id)
    assert len(expedite.list_expedites(ctx)) == 1
    assert len(_costs(application)) == 1


def test_a_dear_expedite_waits_for_transportation_and_a_transfer_can_be_it(
    application: Application,
) -> None:
    ctx = context(application, expedite=True, expedite_threshold=3.0)
    seed(ctx, west_stock=20)
    _po(ctx, 10, due=30)
    purchasing.record_ship_notice(ctx, "PO-1", 1, 10, day(30), "edi")  # shipped: cannot fly
    line_id = order(ctx, "SO-1", 10)
    case_id = open_case(ctx, line_id)

    evaluate(ctx, case_id)

    [proposal] = expedite.list_expedites(ctx, status="proposed")
    assert (proposal.kind, proposal.origin, proposal.quantity, proposal.cost) == (
        "transfer",
        "WEST",
        10,
        5.0,  # 10 units x 0.5 on the lane
    )
    assert proposal.new_promise == day(12)
    [task] = tasks(application, "expedite_approval")
    assert (task["team"], task["cause"]) == ("transportation", f"expedite:{proposal.proposal_id}")
    assert _costs(application) == []

    approved = expedite.approve_expedite(ctx, proposal.proposal_id, "transport.planner")
    assert (approved.status, approved.transfer_number) == ("approved", "TR-E1")
    assert [c["approved_by"] for c in _costs(application)] == ["transport.planner"]
    assert tasks(application, "expedite_approval")[0]["resolution"] == "approved"
    assert on_hand(application, "A", "WEST") == 10
    assert held(application, line_id) == {"TR-E1/1": 10}
    assert line(application, line_id)["promise_date"] == day(12)


def test_a_rejected_expedite_spends_nothing(application: Application) -> None:
    ctx = context(application, expedite=True, expedite_threshold=1.0)
    seed(ctx)
    _po(ctx, 10, due=20)
    line_id = order(ctx, "SO-1", 10)
    evaluate(ctx, open_case(ctx, line_id))
    [proposal] = expedite.list_expedites(ctx)

    rejected = expedite.reject_expedite(ctx, proposal.proposal_id, "transport.planner", "no")

    assert (rejected.status, rejected.decision_note) == ("rejected", "no")
    assert _costs(application) == []
    assert line(application, line_id)["promise_date"] == day(20)
