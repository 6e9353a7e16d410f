"""Replenishment rules: quantity, rounding, transfer or purchase, approval threshold."""

from __future__ import annotations

import pytest

from backorder.domain.replenishment import (
    NeedInput,
    TransferOption,
    best_transfer,
    cover_units,
    needs_approval,
    plan,
    round_up,
)


@pytest.mark.parametrize(
    ("quantity", "multiple", "rounded"),
    [(0, 10, 0), (-3, 10, 0), (1, 10, 10), (10, 10, 10), (11, 10, 20), (7, 1, 7), (7, 0, 7)],
)
def test_quantities_round_up_to_the_order_multiple(
    quantity: int, multiple: int, rounded: int
) -> None:
    assert round_up(quantity, multiple) == rounded


def test_the_quantity_is_backlog_plus_safety_stock_minus_pending_supply_rounded_up() -> None:
    need = NeedInput(
        uncovered=7, safety_stock=2, pending=0, order_multiple=5, supplier_lead_days=14
    )
    assert plan(need).purchase == 10  # 7 + 2 = 9 -> 10

    pending = NeedInput(
        uncovered=7, safety_stock=2, pending=4, order_multiple=5, supplier_lead_days=14
    )
    assert plan(pending).purchase == 5  # 7 + 2 - 4 = 5

    covered = NeedInput(
        uncovered=7, safety_stock=2, pending=9, order_multiple=5, supplier_lead_days=14
    )
    assert plan(covered).empty


def test_cover_days_buy_average_demand_on_top() -> None:
    assert cover_units(2.5, 4) == 10
    assert cover_units(0.3, 10) == 3
    assert cover_units(1.01, 1) == 2
    assert cover_units(0, 10) == 0
    assert cover_units(3, 0) == 0
    need = NeedInput(uncovered=5, safety_stock=0, pending=0, cover=10, supplier_lead_days=14)
    assert plan(need).purchase == 15


def test_an_item_without_a_supplier_cannot_be_bought() -> None:
    decided = plan(NeedInput(uncovered=5, safety_stock=1, pending=0))
    assert (decided.purchase, decided.unbuyable, decided.transfer) == (0, 6, None)
    assert not decided.empty


def test_a_transfer_beats_the_supplier_only_when_it_is_faster() -> None:
    west = TransferOption("WEST", free=20, lane_days=3, lane_cost=0.5)
    faster = plan(
        NeedInput(
            uncovered=12,
            safety_stock=2,
            pending=4,
            order_multiple=10,
            supplier_lead_days=14,
            transfers=[west],
        )
    )
    # The transfer covers the backlog gap (12 - 4); the rest (safety stock) is bought.
    assert faster.transfer is not None
    assert (faster.transfer.origin, faster.transfer.quantity) == ("WEST", 8)
    assert faster.transfer.cost == pytest.approx(4.0)
    assert faster.purchase == 10  # 12 + 2 - 4 - 8 = 2 -> 10

    slow = TransferOption("WEST", free=20, lane_days=14)
    slower = plan(
        NeedInput(uncovered=12, safety_stock=0, pending=0, supplier_lead_days=14, transfers=[slow])
    )
    assert slower.transfer is None
    assert slower.purchase == 12

    not_wanted = plan(
        NeedInput(uncovered=12, safety_stock=0, pending=0, supplier_lead_days=14, transfers=[west]),
        allow_transfer=False,
    )
    assert not_wanted.transfer is None
    assert not_wanted.purchase == 12


def test_a_partial_transfer_leaves_the_rest_to_the_supplier() -> None:
    small = TransferOption("WEST", free=3, lane_days=2)
    decided = plan(
        NeedInput(
            uncovered=10,
            safety_stock=0,
            pending=0,
            order_multiple=4,
            supplier_lead_days=9,
            transfers=[small],
        )
    )
    assert decided.transfer is not None
    assert decided.transfer.quantity == 3
    assert decided.purchase == 8  # 7 -> 8


def test_the_fastest_transfer_wins_then_the_cheaper_lane_then_the_larger_stock() -> None:
    options = [
        TransferOption("NORTH", free=5, lane_days=4, lane_cost=0.1),
        TransferOption("WEST", free=5, lane_days=2, lane_cost=0.9),
        TransferOption("SOUTH", free=9, lane_days=2, lane_cost=0.2),
        TransferOption("EAST", free=50, lane_days=2, lane_cost=0.2),
        TransferOption("EMPTY", free=0, lane_days=1),
    ]
    best = best_transfer(options, beat_days=10)
    assert best is not None
    assert best.origin == "EAST"
    assert best_transfer(options, beat_days=2) is None
    only_north = best_transfer(options[:1], beat_days=None)
    assert only_north is not None
    assert only_north.origin == "NORTH"


def test_only_values_above_the_threshold_wait_for_a_person() -> None:
    assert not needs_approval(5000.0, 5000.0)
    assert needs_approval(5000.01, 5000.0)
    assert not needs_approval(0.0, 0.0)
