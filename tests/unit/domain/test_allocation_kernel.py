"""The vectorised building blocks of the priority engine agree with plain numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backorder.domain.allocation.engine import allocate
from backorder.domain.allocation.kernel import (
    concatenated_ranges,
    lexicographic_order,
    rows_by_unique_key,
    stable_argsort,
)
from backorder.policies import default_policy
from backorder.scenario.synthetic import SyntheticSpec, synthetic_problem

small_ints = st.lists(st.integers(-3, 3), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_lexicographic_order_is_a_stable_lexsort(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 40))
    width = data.draw(st.integers(1, 4))
    keys: list[np.ndarray] = []
    for _ in range(width):
        if data.draw(st.booleans()):
            values = data.draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
            keys.append(np.array(values, dtype=np.int64))
        else:
            pool = st.sampled_from([-1.5, 0.0, -0.0, 2.25, float("nan")])
            keys.append(np.array(data.draw(st.lists(pool, min_size=n, max_size=n))))
    # A wide last key (like a line id) forces the "sort the head, break ties" path.
    wide = np.array(data.draw(st.lists(st.integers(0, 1 << 61), min_size=n, max_size=n)))
    for columns in (keys, [*keys, wide]):
        expected = np.lexsort((np.arange(n), *reversed(columns)))
        assert lexicographic_order(columns).tolist() == expected.tolist()


@given(st.lists(st.integers(0, 9), max_size=50))
def test_stable_argsort_matches_numpy(values: list[int]) -> None:
    key = np.array(values, dtype=np.int64)
    expected = np.argsort(key, kind="stable")
    assert stable_argsort(key, 10).tolist() == expected.tolist()
    assert stable_argsort(key, 1 << 62).tolist() == expected.tolist()  # no room to pack


@given(st.data())
def test_rows_by_unique_key_sorts_by_major_then_priority(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 30))
    priority = np.array(data.draw(st.permutations(range(n + 5)))[:n], dtype=np.int64)
    major = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    row_of = np.zeros(n + 5, dtype=np.int64)
    row_of[priority] = np.arange(n)
    rows, sorted_major = rows_by_unique_key(major.astype(np.int64), priority, row_of)
    expected = np.lexsort((priority, major))
    assert rows.tolist() == expected.tolist()
    assert sorted_major.tolist() == major[expected].tolist()


def test_concatenated_ranges() -> None:
    lo = np.array([5, 0, 9], dtype=np.int64)
    count = np.array([2, 0, 3], dtype=np.int64)
    assert concatenated_ranges(lo, count).tolist() == [5, 6, 9, 10, 11]


def test_ship_complete_re_runs_never_over_allocate_a_source() -> None:
    # Re-runs of a few items keep the lines' global priorities; sorting their candidates
    # once packed (cell, priority) with the sub-problem's line count as the factor, so
    # cells overlapped and one source was handed out twice.
    problem = synthetic_problem(
        SyntheticSpec(
            lines=20_000,
            items=500,
            locations=8,
            seed=12,
            supply_ratio=0.5,
            ship_complete_share=0.5,
            substitute_share=0.5,
            contract_share=0.2,
        )
    )
    result = allocate(problem, default_policy())
    used = np.bincount(
        result.piece_source, weights=result.piece_quantity, minlength=len(problem.supply)
    )
    assert (used <= problem.supply.quantity).all()
    assert (result.allocated + result.substituted <= problem.demand.quantity).all()
