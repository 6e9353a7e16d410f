"""A case's shortage becomes a purchase order at once, or a suggestion a buyer approves."""

from __future__ import annotations

import pytest

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.cases import CaseState
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.errors import ConflictError
from backorder.service_layer.handlers import suggestions
from tests.integration.supply_world import (
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


def _suggestions(application: Application) -> list[dict[str, object]]:
    return rows(application, orm.purchase_suggestions)


def test_below_the_threshold_a_shortage_is_ordered_at_once_and_only_once(
    application: Application,
) -> None:
    ctx = context(application)
    seed(ctx)
    line_id = order(ctx, "SO-1", 7)
    case_id = open_case(ctx, line_id)

    assert evaluate(ctx, case_id).state is CaseState.AWAITING_SUPPLY

    [suggestion] = _suggestions(application)
    # 7 uncovered + 2 safety stock = 9, in multiples of 10.
    assert (suggestion["kind"], suggestion["quantity"], suggestion["value"]) == ("purchase", 10, 40)
    assert (suggestion["status"], suggestion["po_number"]) == ("ordered", "PS-1")
    assert suggestion["decided_by"] == "policy"
    assert suggestion["expected_date"] == day(21)
    assert held(application, line_id) == {"PS-1/1": 7}
    assert line(application, line_id)["promise_date"] == day(21)
    assert len(events(application, "backorder.purchase_suggestion.decided.v1")) == 1

    # The same case asking again the same day orders nothing more.
    assert evaluate(ctx, case_id).state is CaseState.REPLENISHMENT_REQUESTED
    assert len(_suggestions(application)) == 1
    assert tasks(application, "purchase_approval") == []


def test_above_the_threshold_cases_share_one_suggestion_until_a_buyer_approves(
    application: Application,
) -> None:
    ctx = context(application, threshold=50)
    seed(ctx)
    first, second = order(ctx, "SO-1", 7), order(ctx, "SO-2", 5)
    case_1, case_2 = open_case(ctx, first), open_case(ctx, second)

    evaluate(ctx, case_1)
    evaluate(ctx, case_2)
    [suggestion] = _suggestions(application)
    assert (suggestion["status"], suggestion["quantity"], suggestion["value"]) == (
        "suggested",
        20,  # 7 + 5 + 2 -> 20
        80,
    )
    [task] = tasks(application, "purchase_approval")
    assert (task["cause"], task["team"], task["status"]) == ("suggestion:1", "procurement", "open")
    assert evaluate(ctx, case_1).state is CaseState.REPLENISHMENT_REQUESTED
    assert evaluate(ctx, case_2).state is CaseState.REPLENISHMENT_REQUESTED

    # A third line needs more: the shared suggestion grows instead of doubling.
    third = order(ctx, "SO-3", 15)
    evaluate(ctx, open_case(ctx, third))
    [grown] = _suggestions(application)
    assert grown["quantity"] == 30  # 27 + 2 - 20 = 9 more -> 10 more
    assert suggestions.get_suggestion(ctx, 1).case_ids == (case_1, case_2, f"case-{third}")
    assert len(tasks(application, "purchase_approval")) == 1

    approved = suggestions.approve_suggestion(ctx, 1, "buyer.chen")
    assert (approved.status, approved.po_number, approved.decided_by) == (
        "ordered",
        "PS-1",
        "buyer.chen",
    )
    assert tasks(application, "purchase_approval")[0]["resolution"] == "approved"
    assert held(application, first) == {"PS-1/1": 7}
    assert held(application, third) == {"PS-1/1": 15}
    with pytest.raises(ConflictError):
        suggestions.approve_suggestion(ctx, 1, "buyer.chen")


def test_a_rejected_suggestion_is_not_made_again_that_day(
    application: Application, clock: FixedClock
) -> None:
    ctx = context(application, threshold=10)
    seed(ctx)
    first = order(ctx, "SO-1", 7)
    evaluate(ctx, open_case(ctx, first))

    rejected = suggestions.reject_suggestion(ctx, 1, "buyer.chen", "discontinued soon")
    assert (rejected.status, rejected.decision_note) == ("rejected", "discontinued soon")
    assert tasks(application, "purchase_approval")[0]["resolution"] == "rejected"
    assert evaluate(ctx, f"case-{first}").state is CaseState.AWAITING_SUPPLY

    evaluate(ctx, open_case(ctx, order(ctx, "SO-2", 3)))
    assert len(_suggestions(application)) == 1

    clock.set(day(1))
    evaluate(ctx, f"case-{first}")
    assert [s["status"] for s in _suggestions(application)] == ["rejected", "suggested"]


def test_free_stock_at_another_dc_moves_when_it_beats_the_supplier(
    application: Application,
) -> None:
    ctx = context(application)
    seed(ctx, west_stock=30)
    line_id = order(ctx, "SO-1", 7)
    assert held(application, line_id) == {}  # the 12-day lane is too long for allocation

    evaluate(ctx, open_case(ctx, line_id))

    transfer, purchase = _suggestions(application)
    assert (transfer["kind"], transfer["origin"], transfer["quantity"]) == ("transfer", "WEST", 7)
    assert (transfer["status"], transfer["po_number"]) == ("ordered", "TR-1")
    # What the transfer does not cover (the safety stock) is bought.
    assert (purchase["kind"], purchase["quantity"], purchase["po_number"]) == (
        "purchase",
        10,
        "PS-2",
    )
    assert on_hand(application, "A", "WEST") == 23
    [inbound] = rows(
        application, orm.purchase_order_lines, orm.purchase_order_lines.c.po_number == "TR-1"
    )
    assert (inbound["location"], inbound["quantity"], inbound["confirmation"]) == (
        "EAST",
        7,
        "shipped",
    )
    assert inbound["confirmed_date"] == day(12)
    assert held(application, line_id) == {"TR-1/1": 7}
    assert line(application, line_id)["promise_date"] == day(12)
    assert evaluate(ctx, f"case-{line_id}").state is CaseState.IN_TRANSIT


def test_an_item_without_a_supplier_opens_a_master_data_task(application: Application) -> None:
    ctx = context(application)
    seed(ctx)
    line_id = order(ctx, "SO-1", 4, sku="N")

    evaluate(ctx, open_case(ctx, line_id, sku="N"))

    assert _suggestions(application) == []
    [task] = tasks(application, "master_data_gap")
    assert task["cause"] == "item:N:supplier"


def test_a_customer_without_a_home_dc_is_supplied_in_its_region(application: Application) -> None:
    ctx = context(application)
    seed(ctx)
    line_id = order(ctx, "SO-1", 3, customer="C-ROAM")

    evaluate(ctx, open_case(ctx, line_id, customer="C-ROAM"))

    [suggestion] = _suggestions(application)
    assert (suggestion["location"], suggestion["quantity"]) == ("WEST", 10)
