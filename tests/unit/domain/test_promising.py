"""Available-to-promise for a new request."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    AllocationProblem,
    day_number,
    day_to_date,
)
from backorder.domain.errors import DomainError
from backorder.domain.promising import (
    Promise,
    PromisedSource,
    PromiseRequest,
    SupplyBook,
    atp_buckets,
    free_supply,
    promise,
)
from tests.factories import TODAY, World
from tests.unit.domain.test_allocation_properties import problems


def _world() -> World:
    world = World()
    world.stock("BOLT", 5, "EAST")
    world.receipt("BOLT", 20, in_days=10, location="EAST")
    world.stock("BOLT", 8, "WEST")
    return world


def _ask(world: World, quantity: int, in_days: int, allocated: list[int] | None = None):  # type: ignore[no-untyped-def]
    problem = world.build().problem
    used = np.array(allocated or [0] * len(problem.supply), dtype=np.int64)
    free = free_supply(problem, used)
    request = PromiseRequest("BOLT", quantity, "EAST", TODAY + timedelta(days=in_days))
    return promise(problem, free, request, horizon_days=180)


def test_home_stock_covers_the_request_on_time() -> None:
    answer = _ask(_world(), 4, in_days=2)
    assert answer.status == "on_time"
    assert answer.promise_date == TODAY
    assert [(s.location, s.quantity) for s in answer.sources] == [("EAST", 4)]


def test_transfer_beats_waiting_for_the_home_receipt() -> None:
    answer = _ask(_world(), 10, in_days=2)
    assert answer.promise_date == TODAY + timedelta(days=4)  # WEST stock + 4-day lane
    assert sorted((s.location, s.quantity) for s in answer.sources) == [("EAST", 5), ("WEST", 5)]
    assert answer.status == "late"


def test_allocated_supply_is_not_promised_again() -> None:
    answer = _ask(_world(), 10, in_days=2, allocated=[5, 0, 8])
    assert answer.promise_date == TODAY + timedelta(days=10)
    assert [s.source_id for s in answer.sources] == [1]


def test_no_supply_in_horizon_says_how_much_is_missing() -> None:
    answer = _ask(_world(), 40, in_days=2)
    assert answer.status == "no_supply_in_horizon"
    assert answer.promise_date is None
    assert answer.short == 7


def test_time_phased_buckets_accumulate_free_supply() -> None:
    world = _world()
    problem = world.build().problem
    free = free_supply(problem, np.array([2, 0, 0], dtype=np.int64))
    buckets = atp_buckets(problem, free, "BOLT", "EAST", horizon_days=180)
    assert [(b.day, b.quantity, b.cumulative) for b in buckets] == [
        (TODAY, 3, 3),
        (TODAY + timedelta(days=10), 20, 23),
    ]


def test_unknown_item_and_bad_quantity_are_named() -> None:
    with pytest.raises(DomainError, match="quantity"):
        PromiseRequest("BOLT", 0, "EAST", TODAY)
    world = _world()
    problem = world.build().problem
    free = free_supply(problem, np.zeros(3, dtype=np.int64))
    with pytest.raises(DomainError, match="unknown SKU 'NUT'"):
        promise(problem, free, PromiseRequest("NUT", 1, "EAST", TODAY), horizon_days=30)


def _reference(  # type: ignore[no-untyped-def]
    problem: AllocationProblem,
    free,
    request: PromiseRequest,
    *,
    horizon_days: int,
    max_sources: int,
    max_transfer_days: int,
    cross_region: bool,
) -> Promise:
    """The array formulation of `promise` (all of a problem's supply, every call)."""
    item = problem.catalog.code_of(request.sku)
    home = problem.network.code_of(request.location)
    network, supply = problem.network, problem.supply
    requested = day_number(request.requested)
    available = np.maximum(supply.day, problem.as_of_day)
    rows = np.flatnonzero(
        (supply.item == item) & (free > 0) & (available <= problem.as_of_day + horizon_days)
    )
    origin = supply.location[rows]
    lane = network.lane_days[origin, home]
    region = network.location_region
    reachable = (origin == home) | (
        (lane >= 0)
        & (lane <= max_transfer_days)
        & (cross_region | (region[origin] == region[home]))
    )
    rows, origin, lane = rows[reachable], origin[reachable], lane[reachable]
    arrival = available[rows] + np.where(origin == home, 0, lane)
    at_home = origin == home
    on_time_at_home = at_home & (arrival <= requested)
    if int(free[rows[on_time_at_home]].sum()) >= request.quantity:
        home_rows = rows[on_time_at_home]
        order = np.lexsort((supply.source_id[home_rows], arrival[on_time_at_home]))
        ordered, limit = home_rows[order], 1
    else:
        cost = network.lane_cost[origin, home]
        ordered = rows[np.lexsort((supply.source_id[rows], cost, ~at_home, arrival))]
        limit = max_sources
    needed, used, sources = request.quantity, set(), []
    for row in ordered.tolist():
        if needed == 0:
            break
        origin_of = int(supply.location[row])
        if origin_of not in used and len(used) >= limit:
            continue
        used.add(origin_of)
        quantity = min(int(free[row]), needed)
        needed -= quantity
        lane_of = 0 if origin_of == home else int(network.lane_days[origin_of, home])
        sources.append(
            PromisedSource(
                source_id=int(supply.source_id[row]),
                location=network.locations[origin_of],
                quantity=quantity,
                available=day_to_date(int(available[row])),
                arrival=day_to_date(int(available[row]) + lane_of),
                on_hand=int(supply.kind[row]) == KIND_ON_HAND,
            )
        )
    date = max((s.arrival for s in sources), default=None) if needed == 0 else None
    return Promise(request=request, promise_date=date, sources=tuple(sources), short=needed)


@given(problems(), st.data())
@settings(max_examples=100, deadline=None)
def test_a_supply_book_answers_as_the_array_formulation_line_after_line(
    problem: AllocationProblem, data: st.DataObject
) -> None:
    size = len(problem.supply.quantity)
    taken = data.draw(st.lists(st.integers(0, 8), min_size=size, max_size=size))
    free = free_supply(problem, np.array(taken, dtype=np.int64))
    rules = {
        "horizon_days": data.draw(st.integers(5, 40)),
        "max_sources": data.draw(st.integers(1, 3)),
        "max_transfer_days": data.draw(st.integers(0, 12)),
        "cross_region": data.draw(st.booleans()),
    }
    book = SupplyBook(problem, free.copy(), **rules)  # type: ignore[arg-type]
    for _ in range(data.draw(st.integers(1, 6))):
        requested = day_to_date(problem.as_of_day + data.draw(st.integers(0, 25)))
        assert requested is not None
        request = PromiseRequest(
            data.draw(st.sampled_from(problem.catalog.skus)),
            data.draw(st.integers(1, 30)),
            data.draw(st.sampled_from(problem.network.locations)),
            requested,
        )
        answer = book.promise(request)
        assert answer == _reference(problem, free, request, **rules)  # type: ignore[arg-type]
        book.take(answer)
        for source in answer.sources:  # the reference's free supply, kept by hand
            free[source.source_id - 1] -= source.quantity
