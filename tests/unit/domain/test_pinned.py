"""Forced allocations are pinned: the engines allocate around them and never take them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.optimal import optimise
from backorder.domain.allocation.pinned import Pins, apply_pins, merge_pins
from backorder.domain.allocation.problem import AllocationProblem, day_number
from backorder.domain.model import Tier
from tests.factories import TODAY, World, policy


def _pins(problem: AllocationProblem, *pins: tuple[int, int, int]) -> Pins:
    """Pins from (line id, source row, units)."""
    rows = {int(line_id): i for i, line_id in enumerate(problem.demand.line_id.tolist())}
    return Pins(
        line=np.array([rows[line] for line, _, _ in pins], dtype=np.int64),
        source=np.array([source for _, source, _ in pins], dtype=np.int64),
        quantity=np.array([units for _, _, units in pins], dtype=np.int64),
    )


def _world() -> tuple[World, int, int]:
    world = World()
    world.customer("BIG", Tier.STRATEGIC)
    best = world.order("BIG", "A", 6)
    last = world.order("SMALL", "A", 6)
    world.stock("A", 6)
    return world, best, last


def test_a_pinned_line_keeps_its_units_against_a_better_ranked_line() -> None:
    world, best, last = _world()
    built = world.build()
    reduced, held = apply_pins(built.problem, _pins(built.problem, (last, 0, 4)))

    result = merge_pins(allocate(reduced, policy()), built.problem, held)

    assert int(result.allocated[result.line_index(last)]) == 4
    assert int(result.allocated[result.line_index(best)]) == 2  # only what is left
    assert int(result.short[result.line_index(best)]) == 4
    assert result.problem is built.problem
    assert result.summary()["ordered_units"] == 12  # the whole demand, pinned units included


def test_the_optimal_engine_allocates_around_pins_too() -> None:
    world, best, last = _world()
    built = world.build()
    reduced, held = apply_pins(built.problem, _pins(built.problem, (last, 0, 6)))

    result = merge_pins(optimise(reduced, policy()).result, built.problem, held)

    assert int(result.allocated[result.line_index(last)]) == 6
    assert int(result.allocated[result.line_index(best)]) == 0


def test_pins_are_clipped_to_what_the_source_has_and_the_line_orders() -> None:
    world, best, last = _world()
    built = world.build()
    # The stock shrank to 5 while 4 + 3 units were pinned; the second line now orders 2.
    problem = replace(
        built.problem,
        supply=replace(built.problem.supply, quantity=np.array([5], dtype=np.int64)),
        demand=replace(built.problem.demand, quantity=np.array([6, 2], dtype=np.int64)),
    )
    reduced, held = apply_pins(problem, _pins(problem, (best, 0, 4), (last, 0, 3)))

    assert dict(zip(held.line.tolist(), held.quantity.tolist(), strict=True)) == {0: 4, 1: 1}
    assert reduced.supply.quantity.tolist() == [0]
    assert reduced.demand.quantity.tolist() == [2, 1]


def test_duplicate_pins_merge_and_promise_dates_join_the_engine_outcome() -> None:
    world = World()
    line = world.order("C1", "A", 10)
    world.stock("A", 4)
    world.receipt("A", 10, in_days=6)
    built = world.build()
    pins = _pins(built.problem, (line, 0, 2), (line, 0, 2))
    reduced, held = apply_pins(built.problem, pins)

    result = merge_pins(allocate(reduced, policy()), built.problem, held)

    assert held.quantity.tolist() == [4]
    row = result.line_index(line)
    assert int(result.allocated[row]) == 10
    assert int(result.promise_day[row]) == day_number(TODAY) + 6  # the receipt finishes it
    assert int(result.first_day[row]) == day_number(TODAY)  # the pinned stock is there today
    assert int(result.late[row]) == 6  # requested in 3 days, 6 units come in 6


def test_without_pins_nothing_changes() -> None:
    world, _, _ = _world()
    built = world.build()
    reduced, held = apply_pins(built.problem, Pins.empty())
    result = allocate(reduced, policy())

    assert reduced is built.problem
    assert merge_pins(result, built.problem, held) is result
