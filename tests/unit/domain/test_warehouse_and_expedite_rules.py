"""Pick priorities, and when and how a case expedites a slipped promise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from backorder.domain.cases import (
    ActionKind,
    CaseState,
    CaseTimeouts,
    HeldSupply,
    LineFacts,
    SupplyStage,
    evaluate,
    expedite_due,
)
from backorder.domain.expedite import (
    ExpeditePolicy,
    FreeStock,
    Inbound,
    auto_approved,
    choose,
    routes,
)
from backorder.domain.warehouse import UNRANKED, pick_priority, priority_parts

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
POLICY = ExpeditePolicy(
    promise_slip_days=3,
    premium_freight_cost_per_unit=2.0,
    premium_freight_days=5,
    approval_threshold_cost=250.0,
)


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


# -- pick priority -----------------------------------------------------------------------


def test_an_earlier_promise_is_picked_first_whatever_the_rank() -> None:
    assert pick_priority(day(1), 500) < pick_priority(day(2), 1)
    assert pick_priority(day(-3), 9000) < pick_priority(day(0), 1)  # late lines first


def test_within_a_day_the_better_rank_goes_first_and_unranked_lines_last() -> None:
    assert pick_priority(day(1), 1) < pick_priority(day(1), 2) < pick_priority(day(1), None)
    assert pick_priority(day(1), 50_000) == pick_priority(day(1), None)  # rank is capped
    assert priority_parts(pick_priority(day(4), 17)) == (day(4), 17)
    assert priority_parts(pick_priority(day(4), None)) == (day(4), None)
    assert pick_priority(date(2557, 1, 1), UNRANKED) < 2**31


# -- when to expedite ----------------------------------------------------------------------


def facts(*held: HeldSupply, promise: int | None = 20, **changes: object) -> LineFacts:
    values: dict[str, object] = {
        "line_id": 1,
        "sku": "BOLT",
        "open_quantity": 10,
        "requested": day(3),
        "promise": day(promise) if promise is not None else None,
        "held": held,
        "home_location": "EAST",
    }
    values.update(changes)
    return LineFacts(**values)  # type: ignore[arg-type]


def receipt(stage: SupplyStage, due_in: int = 20, quantity: int = 10) -> HeldSupply:
    return HeldSupply(quantity, stage, day(due_in), "PO-1/1", "ACME", ordered_on=TODAY)


SLIP = timedelta(days=3)


def test_a_promise_within_the_service_level_is_not_expedited() -> None:
    line = facts(receipt(SupplyStage.CONFIRMED, 6), promise=6)  # 3 days late: allowed
    assert not expedite_due(line, CaseState.SUPPLIER_LATE, SLIP, TODAY)


def test_a_slipped_promise_with_a_receipt_that_can_fly_is_expedited() -> None:
    assert expedite_due(facts(receipt(SupplyStage.ORDERED)), CaseState.SUPPLIER_LATE, SLIP, TODAY)
    assert expedite_due(facts(receipt(SupplyStage.CONFIRMED)), CaseState.SUPPLIER_LATE, SLIP, TODAY)


def test_nothing_to_expedite_when_no_faster_route_can_exist() -> None:
    shipped = facts(receipt(SupplyStage.SHIPPED))
    assert not expedite_due(shipped, CaseState.IN_TRANSIT, SLIP, TODAY)
    short = facts(receipt(SupplyStage.CONFIRMED, quantity=6))  # 4 units have no supply
    assert not expedite_due(short, CaseState.PARTIALLY_ALLOCATED, SLIP, TODAY)
    assert not expedite_due(facts(promise=None), CaseState.AWAITING_SUPPLY, SLIP, TODAY)
    closed = facts(receipt(SupplyStage.CONFIRMED))
    assert not expedite_due(closed, CaseState.CLOSED, SLIP, TODAY)
    assert not expedite_due(closed, CaseState.ON_HOLD, SLIP, TODAY)


def test_free_stock_elsewhere_makes_a_transfer_possible() -> None:
    shipped = facts(receipt(SupplyStage.SHIPPED), free_elsewhere=10)
    assert expedite_due(shipped, CaseState.IN_TRANSIT, SLIP, TODAY)
    too_little = facts(receipt(SupplyStage.SHIPPED), free_elsewhere=9)
    assert not expedite_due(too_little, CaseState.IN_TRANSIT, SLIP, TODAY)


def test_evaluate_proposes_an_expedite_once_per_promise_and_only_under_policy() -> None:
    line = facts(receipt(SupplyStage.CONFIRMED))
    with_policy = CaseTimeouts(expedite_promise_slip=SLIP)
    outcome = evaluate(line, CaseState.SUPPLIER_LATE, NOW, NOW, with_policy)
    proposed = [a for a in outcome.actions if a.kind is ActionKind.PROPOSE_EXPEDITE]
    assert [a.key for a in proposed] == [f"expedite:{day(20)}"]
    assert proposed[0].data == {"promise": day(20).isoformat(), "service_date": "2026-12-03"}

    without = evaluate(line, CaseState.SUPPLIER_LATE, NOW, NOW, CaseTimeouts())
    assert all(a.kind is not ActionKind.PROPOSE_EXPEDITE for a in without.actions)


# -- which route ---------------------------------------------------------------------------


def inbound(due_in: int = 20, open_quantity: int = 40, can_fly: bool = True) -> Inbound:
    return Inbound("PO-1/1", 10, day(due_in), open_quantity, can_fly)


def test_premium_freight_brings_the_receipt_forward_for_its_whole_open_quantity() -> None:
    found = routes([inbound()], [], waiting=10, short=0, today=TODAY, policy=POLICY)
    assert len(found) == 1
    route = found[0]
    assert (route.kind, route.new_date, route.new_promise) == ("premium_freight", day(15), day(15))
    assert (route.quantity, route.cost) == (40, 80.0)
    # Never before today; a receipt that cannot fly (shipped, a transfer) is no route.
    soon = routes([inbound(due_in=2)], [], waiting=10, short=0, today=TODAY, policy=POLICY)
    assert soon[0].new_date == TODAY
    assert (
        routes([inbound(can_fly=False)], [], waiting=10, short=0, today=TODAY, policy=POLICY) == []
    )


def test_a_line_waiting_on_two_receipts_gains_only_up_to_the_later_one() -> None:
    other = Inbound("PO-2/1", 5, day(12), 5, can_fly=False)
    found = routes([inbound(), other], [], waiting=10, short=0, today=TODAY, policy=POLICY)
    assert found[0].new_promise == day(15)
    slower_first = routes(
        [inbound(due_in=14), Inbound("PO-2/1", 5, day(18), 5, False)],
        [],
        waiting=10,
        short=0,
        today=TODAY,
        policy=POLICY,
    )
    assert slower_first[0].new_promise == day(18)


def test_a_transfer_must_carry_every_unit_the_line_waits_for() -> None:
    stock = [FreeStock("WEST", 10, 4, 1.5), FreeStock("NORTH", 9, 1, 0.1)]
    found = routes([], stock, waiting=10, short=10, today=TODAY, policy=POLICY)
    assert [(r.kind, r.origin, r.new_promise, r.cost) for r in found] == [
        ("transfer", "WEST", day(4), 15.0)
    ]


def test_the_cheapest_route_within_the_service_level_wins() -> None:
    stock = [FreeStock("WEST", 10, 4, 5.0)]  # arrives day 4, costs 50
    found = routes([inbound(due_in=8)], stock, waiting=10, short=0, today=TODAY, policy=POLICY)
    # Premium freight arrives day 3 for 80; the transfer day 4 for 50: both within day 6.
    chosen = choose(found, promise=day(8), service_date=day(6))
    assert chosen is not None
    assert chosen.kind == "transfer"


def test_when_nothing_reaches_the_service_level_the_earliest_wins() -> None:
    stock = [FreeStock("WEST", 10, 12, 0.1)]
    found = routes([inbound(due_in=20)], stock, waiting=10, short=0, today=TODAY, policy=POLICY)
    chosen = choose(found, promise=day(20), service_date=day(6))
    assert chosen is not None
    assert (chosen.kind, chosen.new_promise) == ("transfer", day(12))
    assert choose(found, promise=day(12), service_date=day(6)) is None  # nothing is faster


def test_the_policy_approves_costs_up_to_its_threshold() -> None:
    cheap, dear = routes(
        [inbound(open_quantity=125), Inbound("PO-2/1", 1, day(20), 126, True)],
        [],
        waiting=10,
        short=0,
        today=TODAY,
        policy=POLICY,
    )
    assert cheap.cost == 250.0
    assert auto_approved(cheap, POLICY)
    assert dear.cost == 252.0
    assert not auto_approved(dear, POLICY)
