"""Invariants of the priority engine on random problems (hypothesis).

A plain sequential reference implementation of the documented sourcing rounds checks the
vectorised engine line by line; the other properties hold with every feature switched on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.policy import Policy
from backorder.domain.allocation.problem import (
    AllocationProblem,
    Catalog,
    Commitments,
    Demand,
    Network,
    Supply,
    period_index,
)
from backorder.domain.allocation.ranking import rank_lines
from backorder.domain.allocation.result import AllocationResult, Phase
from tests.factories import policy

AS_OF = 20_000
TIERS = ("strategic", "contract", "standard")


@st.composite
def problems(draw: st.DrawFn, *, features: bool = False) -> AllocationProblem:
    """Random small problems: up to 3 DCs, 3 items, 14 lines, 8 supply sources."""
    locations = draw(st.integers(1, 3))
    items = draw(st.integers(1, 3))
    n = draw(st.integers(1, 14))
    m = draw(st.integers(0, 8))
    ints = st.integers
    lane_days = np.array(
        draw(
            st.lists(
                st.lists(ints(0, 12), min_size=locations, max_size=locations),
                min_size=locations,
                max_size=locations,
            )
        ),
        dtype=np.int64,
    )
    np.fill_diagonal(lane_days, 0)
    network = Network(
        locations=tuple(f"DC{i}" for i in range(locations)),
        regions=("r0", "r1"),
        location_region=np.array([i % 2 for i in range(locations)], dtype=np.int32),
        lane_days=lane_days,
        lane_cost=lane_days.astype(np.float64) / 10,
    )
    catalog = Catalog.simple(tuple(f"I{i}" for i in range(items)), TIERS)
    if features and items > 1:
        catalog = Catalog(
            skus=catalog.skus,
            item_group=catalog.item_group,
            product_line=catalog.product_line,
            item_groups=catalog.item_groups,
            product_lines=catalog.product_lines,
            tiers=TIERS,
            order_types=("standard",),
            sub_start=np.r_[0, np.ones(items, dtype=np.int64).cumsum()].astype(np.int64),
            sub_item=(np.arange(items, dtype=np.int64) + 1) % items,
            sub_factor=np.array(
                draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=items, max_size=items))
            ),
            sub_requires_acceptance=np.array(
                draw(st.lists(st.booleans(), min_size=items, max_size=items))
            ),
        )

    def column(strategy: st.SearchStrategy[int], size: int) -> Any:
        return np.array(draw(st.lists(strategy, min_size=size, max_size=size)), dtype=np.int64)

    customer = column(ints(0, 4), n)
    demand = Demand(
        line_id=np.array(
            draw(st.lists(ints(1, 10_000), min_size=n, max_size=n, unique=True)), dtype=np.int64
        ),
        item=column(ints(0, items - 1), n),
        home=column(ints(0, locations - 1), n),
        quantity=column(ints(1, 12), n),
        requested_day=AS_OF + column(ints(0, 20), n),
        promise_day=np.full(n, -1, dtype=np.int64),
        order_time=column(ints(0, 3), n),
        customer=customer,
        tier=column(ints(0, 2), n),
        region=np.zeros(n, dtype=np.int64),
        order_type=np.zeros(n, dtype=np.int64),
        unit_price=column(ints(5, 9), n).astype(np.float64),
        unit_cost=np.full(n, 4.0),
        ship_complete=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        if features
        else np.zeros(n, dtype=np.bool_),
        substitution=column(ints(0, 2), n),
        risk=np.zeros(n),
    )
    supply = Supply(
        source_id=np.arange(1, m + 1, dtype=np.int64),
        item=column(ints(0, items - 1), m),
        location=column(ints(0, locations - 1), m),
        day=AS_OF + column(ints(0, 30), m),
        quantity=column(ints(0, 15), m),
        kind=column(ints(0, 1), m),
        confirmed=np.ones(m, dtype=np.bool_),
    )
    commitments = Commitments.empty()
    if features:
        k = draw(st.integers(0, 3))
        commitments = Commitments(
            customer=column(ints(0, 4), k),
            item=column(ints(0, items - 1), k),
            period_kind=np.full(k, 1, dtype=np.int64),
            period=period_index(1, np.full(k, AS_OF, dtype=np.int64)),
            remaining=column(ints(0, 10), k),
        )
    return AllocationProblem(
        network=network,
        catalog=catalog,
        demand=demand,
        supply=supply,
        as_of_day=AS_OF,
        commitments=commitments,
    )


PLAIN = policy(
    geography={"max_sources_per_line": 2, "home_wait_days": 5, "max_transfer_days": 8},
    substitution={"enabled": False},
    ring_fence={"enabled": False},
)
FULL = policy(
    geography={"max_sources_per_line": 2, "home_wait_days": 5, "max_transfer_days": 8},
    fair_share={"enabled": True, "shortage_threshold": 0.25, "class_keys": ["tier"]},
)


def reference_allocation(problem: AllocationProblem, pol: Policy) -> dict[int, dict[int, int]]:
    """The documented sourcing rounds, walked one line at a time (slow and obvious)."""
    demand, supply, network = problem.demand, problem.supply, problem.network
    geography = pol.geography
    sequence, _ = network.sourcing_sequence(
        cross_region=geography.cross_region, max_transfer_days=geography.max_transfer_days
    )
    priority = rank_lines(problem, pol).priority
    lines = sorted(range(len(demand)), key=lambda r: priority[r])
    left = supply.quantity.copy()
    remaining = demand.quantity.copy()
    used: dict[int, set[int]] = {r: set() for r in lines}
    got: dict[int, dict[int, int]] = {int(demand.line_id[r]): {} for r in lines}
    day = np.maximum(supply.day, problem.as_of_day)
    windows = (
        problem.as_of_day + geography.home_wait_days,
        problem.as_of_day + pol.horizon_days,
    )
    for window in windows:
        for round_ in range(network.size):
            for r in lines:
                home = int(demand.home[r])
                target = home if round_ == 0 else int(sequence[home, round_ - 1])
                if target < 0 or remaining[r] == 0:
                    continue
                if target not in used[r] and len(used[r]) >= geography.max_sources_per_line:
                    continue
                sources = [
                    s
                    for s in range(len(supply))
                    if supply.item[s] == demand.item[r]
                    and supply.location[s] == target
                    and day[s] <= window
                    and left[s] > 0
                ]
                sources.sort(key=lambda s: (day[s], supply.kind[s], supply.source_id[s]))
                for s in sources:
                    take = min(int(left[s]), int(remaining[r]))
                    if take:
                        left[s] -= take
                        remaining[r] -= take
                        used[r].add(target)
                        line_got = got[int(demand.line_id[r])]
                        line_got[int(s)] = line_got.get(int(s), 0) + take
    return got


def pieces_by_line(result: AllocationResult) -> dict[int, dict[int, int]]:
    """Line id -> supply row -> units."""
    out: dict[int, dict[int, int]] = {int(i): {} for i in result.problem.demand.line_id}
    for row, source, qty in zip(
        result.piece_line, result.piece_source, result.piece_quantity, strict=True
    ):
        line_pieces = out[int(result.problem.demand.line_id[row])]
        line_pieces[int(source)] = line_pieces.get(int(source), 0) + int(qty)
    return out


@settings(max_examples=300, deadline=None)
@given(problems())
def test_engine_matches_the_sequential_reference(problem: AllocationProblem) -> None:
    assert pieces_by_line(allocate(problem, PLAIN)) == reference_allocation(problem, PLAIN)


@settings(max_examples=300, deadline=None)
@given(problems(features=True))
def test_never_more_than_supply_per_source_nor_more_than_demanded(
    problem: AllocationProblem,
) -> None:
    result = allocate(problem, FULL)
    used = np.bincount(
        result.piece_source, weights=result.piece_quantity, minlength=len(problem.supply)
    )
    assert (used <= problem.supply.quantity).all()
    assert (result.allocated + result.substituted <= problem.demand.quantity).all()
    own = result.piece_phase != Phase.SUBSTITUTE
    own_units = np.bincount(
        result.piece_line[own], weights=result.piece_quantity[own], minlength=len(problem.demand)
    )
    assert (own_units == result.allocated).all()
    assert (result.short == problem.demand.quantity - result.allocated - result.substituted).all()


@settings(max_examples=300, deadline=None)
@given(problems(features=True))
def test_ship_complete_lines_get_all_or_nothing(problem: AllocationProblem) -> None:
    result = allocate(problem, FULL)
    covered = result.allocated + result.substituted
    complete = problem.demand.ship_complete
    assert (
        (covered[complete] == 0) | (covered[complete] == problem.demand.quantity[complete])
    ).all()


@settings(max_examples=300, deadline=None)
@given(problems())
def test_a_better_ranked_line_is_never_worse_off(problem: AllocationProblem) -> None:
    sources = problem.network.size
    pol = policy(
        geography={"max_sources_per_line": sources, "home_wait_days": 5},
        substitution={"enabled": False},
    )
    result = allocate(problem, pol)
    demand, priority = problem.demand, result.ranking.priority
    for a in range(len(demand)):
        for b in range(len(demand)):
            competing = demand.item[a] == demand.item[b] and demand.home[a] == demand.home[b]
            if competing and priority[a] < priority[b] and result.allocated[b] > 0:
                assert result.short[a] == 0, (a, b)


@settings(max_examples=200, deadline=None)
@given(problems(features=True))
def test_ring_fenced_units_come_before_anything_else(problem: AllocationProblem) -> None:
    one_dc = policy(
        geography={"cross_region": False, "max_transfer_days": 0}, substitution={"enabled": False}
    )
    result = allocate(problem, one_dc)
    fence = np.minimum(result.ranking.ring_fence, problem.demand.quantity)
    excluded = (result.flags & 2) > 0  # released ship-complete lines hold nothing at all
    unmet = np.flatnonzero((result.ring_fenced < fence) & ~excluded)
    supply, demand = problem.supply, problem.demand
    for row in unmet:
        cell = (demand.item[row], demand.home[row])
        others = [
            i
            for i in range(len(result.piece_line))
            if (supply.item[result.piece_source[i]], supply.location[result.piece_source[i]])
            == cell
            and result.piece_phase[i] not in (Phase.RING_FENCE, Phase.KEPT)
            and supply.day[result.piece_source[i]] <= problem.as_of_day + one_dc.horizon_days
        ]
        assert not others, (row, others)


@settings(max_examples=200, deadline=None)
@given(problems(features=True), st.randoms(use_true_random=False))
def test_results_are_deterministic_and_independent_of_row_order(
    problem: AllocationProblem, random: Any
) -> None:
    first = allocate(problem, FULL)
    again = allocate(problem, FULL)
    assert pieces_by_line(first) == pieces_by_line(again)
    rows = list(range(len(problem.demand)))
    random.shuffle(rows)
    shuffled = AllocationProblem(
        network=problem.network,
        catalog=problem.catalog,
        demand=problem.demand.take(np.array(rows, dtype=np.int64)),
        supply=problem.supply,
        as_of_day=problem.as_of_day,
        commitments=problem.commitments,
    )
    assert pieces_by_line(allocate(shuffled, FULL)) == pieces_by_line(first)
