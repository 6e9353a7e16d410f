"""The backorder case lifecycle: states derived from the line's facts, actions, timeouts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from backorder.domain.cases import (
    ActionKind,
    CaseState,
    CaseTimeouts,
    HeldSupply,
    LineFacts,
    SupplyStage,
    derive_state,
    evaluate,
)

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def facts(*held: HeldSupply, quantity: int = 10, **changes: object) -> LineFacts:
    values: dict[str, object] = {
        "line_id": 1,
        "sku": "BOLT",
        "open_quantity": quantity,
        "requested": TODAY + timedelta(days=3),
        "promise": None,
        "held": held,
    }
    values.update(changes)
    return LineFacts(**values)  # type: ignore[arg-type]


def on_hand(quantity: int) -> HeldSupply:
    return HeldSupply(quantity, SupplyStage.ON_HAND, TODAY, "OH/BOLT/EAST")


def receipt(quantity: int, stage: SupplyStage, due_in: int = 2) -> HeldSupply:
    return HeldSupply(
        quantity, stage, TODAY + timedelta(days=due_in), "PO-1/1", "ACME", ordered_on=TODAY
    )


def test_states_follow_the_supply_the_line_holds() -> None:
    assert derive_state(facts()) is CaseState.AWAITING_SUPPLY
    assert derive_state(facts(on_hand(4))) is CaseState.PARTIALLY_ALLOCATED
    assert derive_state(facts(on_hand(10))) is CaseState.ALLOCATED
    assert derive_state(facts(receipt(10, SupplyStage.ORDERED))) is (
        CaseState.REPLENISHMENT_REQUESTED
    )
    assert derive_state(facts(receipt(10, SupplyStage.CONFIRMED))) is CaseState.SUPPLIER_CONFIRMED
    assert derive_state(facts(receipt(10, SupplyStage.CONFIRMED, due_in=9))) is (
        CaseState.SUPPLIER_LATE
    )
    assert derive_state(facts(on_hand(5), receipt(5, SupplyStage.SHIPPED))) is CaseState.IN_TRANSIT


def test_people_and_the_end_of_the_line_override_supply() -> None:
    assert derive_state(facts(on_hand(10), on_hold=True)) is CaseState.ON_HOLD
    assert derive_state(facts(cancelled=True)) is CaseState.CANCELLED
    assert derive_state(facts(quantity=0, shipped_quantity=10)) is CaseState.CLOSED
    assert derive_state(facts(on_hand(10), released_to_warehouse=True)) is (
        CaseState.RELEASED_TO_WAREHOUSE
    )
    assert derive_state(facts(substitute_offered="BOLT-2")) is CaseState.SUBSTITUTION_OFFERED


def test_a_new_case_tells_the_customer_and_asks_for_supply() -> None:
    outcome = evaluate(facts(), CaseState.DETECTED, NOW, NOW, CaseTimeouts())
    kinds = [a.kind for a in outcome.actions]
    assert ActionKind.NOTIFY_CUSTOMER in kinds
    assert ActionKind.REQUEST_REPLENISHMENT in kinds
    assert outcome.next_check == NOW + CaseTimeouts().unsourced


def test_an_unacknowledged_purchase_order_escalates_after_the_window() -> None:
    line = facts(receipt(10, SupplyStage.ORDERED))
    before = evaluate(line, CaseState.REPLENISHMENT_REQUESTED, NOW, NOW, CaseTimeouts())
    assert not any(a.kind is ActionKind.REMIND_SUPPLIER for a in before.actions)
    later = NOW + timedelta(hours=25)
    after = evaluate(line, CaseState.REPLENISHMENT_REQUESTED, NOW, later, CaseTimeouts())
    tasks = [a for a in after.actions if a.kind is ActionKind.OPEN_TASK]
    assert any(a.task_type == "supplier_acknowledgement_overdue" for a in tasks)
    assert any(a.kind is ActionKind.REMIND_SUPPLIER for a in after.actions)
    # One task per purchase-order line, whichever case notices it.
    assert {a.data["cause"] for a in tasks} == {"po-line:PO-1/1"}


def test_stock_on_hand_releases_the_line_to_the_warehouse_once() -> None:
    outcome = evaluate(facts(on_hand(10)), CaseState.RECEIVED, NOW, NOW, CaseTimeouts())
    releases = [a for a in outcome.actions if a.kind is ActionKind.RELEASE_TO_WAREHOUSE]
    assert [a.key for a in releases] == ["release"]


def test_a_moved_promise_is_told_once_per_date() -> None:
    line = facts(
        receipt(10, SupplyStage.CONFIRMED),
        promise=TODAY + timedelta(days=2),
        notified_promise=TODAY + timedelta(days=1),
    )
    outcome = evaluate(line, CaseState.SUPPLIER_CONFIRMED, NOW, NOW, CaseTimeouts())
    notices = [a for a in outcome.actions if a.kind is ActionKind.NOTIFY_CUSTOMER]
    assert [a.key for a in notices] == [f"notice:promise:{TODAY + timedelta(days=2)}"]
    told = facts(
        receipt(10, SupplyStage.CONFIRMED),
        promise=TODAY + timedelta(days=2),
        notified_promise=TODAY + timedelta(days=2),
    )
    again = evaluate(told, CaseState.SUPPLIER_CONFIRMED, NOW, NOW, CaseTimeouts())
    assert not [a for a in again.actions if a.kind is ActionKind.NOTIFY_CUSTOMER]


def test_customer_service_calls_only_when_the_promise_slips_beyond_the_tolerance() -> None:
    def calls(promise_days_late: int) -> bool:
        line = facts(promise=TODAY + timedelta(days=3 + promise_days_late))
        outcome = evaluate(line, CaseState.AWAITING_SUPPLY, NOW, NOW, CaseTimeouts())
        return any(a.task_type == "promise_at_risk" for a in outcome.actions)

    # The customer gets a notice either way; three days late is within the tolerance.
    assert [calls(days) for days in (0, 3, 4, 10)] == [False, False, True, True]
