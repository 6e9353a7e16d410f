"""Available-to-promise for a new request."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from backorder.domain.errors import DomainError
from backorder.domain.promising import PromiseRequest, atp_buckets, free_supply, promise
from tests.factories import TODAY, World


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
