"""Allocation runs, explanations, ATP and the backorder list on the fake unit of work."""

from __future__ import annotations

import pytest

from backorder.adapters.repositories.orders import BackorderFilter
from backorder.domain import events
from backorder.domain.model import LineStatus
from backorder.service_layer import queries
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from backorder.service_layer.handlers.allocation import run_allocation
from tests.unit.service_layer.conftest import ACTOR, Harness, in_days

TODAY = in_days(0)


def _contested(harness: Harness) -> tuple[int, int]:
    """5 on hand; a standard order takes them at intake, then a strategic one finds none."""
    harness.stock("A", "EAST", 5)
    standard = harness.order("SO-1", ("A", 5)).lines[0].line_id
    strategic = harness.order("SO-2", ("A", 5), customer="C-STR").lines[0].line_id
    return standard, strategic


@pytest.mark.parametrize("solver", ["priority", "optimal"])
def test_a_run_gives_scarce_stock_to_the_better_ranked_line(harness: Harness, solver: str) -> None:
    standard, strategic = _contested(harness)
    assert harness.line(strategic).line.status is LineStatus.BACKORDERED

    done = run_allocation(harness.ctx, skus=["A"], solver=solver, actor=ACTOR)

    assert harness.last.committed
    assert harness.held(strategic) == {"OH/A/EAST": 5}
    assert harness.held(standard) == {}
    assert harness.line(strategic).line.status is LineStatus.ALLOCATED
    assert harness.line(standard).line.status is LineStatus.BACKORDERED
    assert done.summary["allocated_units"] == 5
    assert done.summary["backordered_units"] == 5
    run = harness.store.runs[done.run_id]
    assert (run["status"], run["solver"], run["requested_by"]) == ("completed", solver, ACTOR)
    decision = harness.store.decisions[standard]
    assert (decision.rank, decision.competing_lines, decision.run_id) == (2, 2, done.run_id)
    completed = harness.events(events.AllocationCompleted)
    assert [(e.run_id, e.allocated_units) for e in completed] == [(done.run_id, 5)]
    assert [e.line_id for e in harness.events(events.LineBackordered)] == [strategic, standard]


def test_the_loser_can_read_why_in_plain_words(harness: Harness) -> None:
    standard, strategic = _contested(harness)
    run_allocation(harness.ctx, skus=None, solver="priority", actor=ACTOR)

    why = queries.explain_line(harness.ctx, standard)

    assert why.record is not None
    assert (why.record.rank, why.record.short) == (2, 5)
    assert [c.line_id for c in why.record.competitors] == [strategic]
    assert why.text.startswith(f"Line {standard} (5 x A for EAST")
    assert "ranks 2 of 2 lines for A" in why.text
    assert f"line {strategic}" in why.text.lower()


def test_a_line_never_run_is_explained_as_an_intake_allocation(harness: Harness) -> None:
    harness.stock("A", "EAST", 3)
    line = harness.order("SO-1", ("A", 5)).lines[0].line_id

    why = queries.explain_line(harness.ctx, line)

    assert why.record is None
    assert "allocated at order intake" in why.text
    assert "It holds 3: 3 of A at EAST" in why.text
    assert "2 units are short" in why.text
    with pytest.raises(NotFoundError):
        queries.explain_line(harness.ctx, 77)


def test_a_run_refuses_an_unknown_solver_or_item(harness: Harness) -> None:
    with pytest.raises(InvalidInputError) as raised:
        run_allocation(harness.ctx, skus=None, solver="magic", actor=ACTOR)
    assert raised.value.field == "solver"
    with pytest.raises(NotFoundError, match="GHOST"):
        run_allocation(harness.ctx, skus=["A", "GHOST"], solver="priority", actor=ACTOR)
    assert harness.store.runs == {}


def test_atp_answers_without_reserving_anything(harness: Harness) -> None:
    harness.stock("A", "EAST", 4)
    harness.purchase_order("PO-1", "A", 10, in_days(9))
    harness.order("SO-1", ("A", 2))

    answer = queries.available_to_promise(harness.ctx, "A", 6, "EAST", in_days(1))

    assert answer.promise.promise_date == in_days(9)
    assert [(answer.source_id(i), s.quantity) for i, s in enumerate(answer.promise.sources)] == [
        ("OH/A/EAST", 2),
        ("PO-1/1", 4),
    ]
    assert answer.promise.status == "late"
    assert len(harness.store.allocations) == 1
    with pytest.raises(InvalidInputError) as raised:
        queries.available_to_promise(harness.ctx, "A", 1, "MARS", None)
    assert raised.value.field == "location"


def test_an_item_with_substitutes_can_be_ordered(harness: Harness) -> None:
    harness.stock("S1", "EAST", 5)

    placed = harness.order("SO-1", ("S1", 2))

    assert harness.held(placed.lines[0].line_id) == {"OH/S1/EAST": 2}


def test_the_backorder_list_filters_and_pages_without_gaps(harness: Harness) -> None:
    for number in range(1, 6):  # nothing on hand: every line is backordered
        harness.clock.set(in_days(number))
        customer = "C-WEST" if number % 2 else "C-STD"
        harness.order(f"SO-{number}", ("A", number), customer=customer)
    harness.order("SO-9", ("B", 1))  # backordered on day 5 too
    today = in_days(5)

    def ids(where: BackorderFilter, limit: int = 100) -> list[int]:
        seen: list[int] = []
        cursor = None
        while True:
            page = queries.backorders(harness.ctx, where, cursor, limit)
            seen.extend(r.line.line_id for r in page.lines)
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    assert ids(BackorderFilter(), limit=2) == [1, 2, 3, 4, 5, 6]
    assert ids(BackorderFilter(sku="A")) == [1, 2, 3, 4, 5]
    assert ids(BackorderFilter(customer="C-STD")) == [2, 4, 6]
    assert ids(BackorderFilter(region="west")) == [1, 3, 5]
    assert ids(BackorderFilter(status="backordered", max_age_days=1, today=today)) == [4, 5, 6]
    assert ids(BackorderFilter(min_age_days=3, today=today)) == [1, 2]
    with pytest.raises(InvalidInputError) as raised:
        queries.backorders(harness.ctx, BackorderFilter(), "not-a-cursor", 10)
    assert raised.value.field == "cursor"
