"""Allocations, decision records and runs round-trip on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backorder.adapters.repositories.allocations import (
    ALLOCATION_COLUMNS,
    DECISION_COLUMNS,
    DecisionColumns,
    StoredDecision,
)
from backorder.bootstrap import Application
from backorder.domain.model import Allocation
from tests.integration.helpers import NOW, TODAY, in_days, new_order, seed_master, utc

ONE_DAY = timedelta(days=1)


def _row(line_id: int, source: str, quantity: int, *, location: str = "EAST") -> dict[str, Any]:
    return {
        "line_id": line_id,
        "source_id": source,
        "sku": "A",
        "location": location,
        "quantity": quantity,
        "available_date": TODAY if source.startswith("OH/") else in_days(10),
        "phase": "intake",
        "run_id": None,
    }


def _decision(line_id: int, rank: int, run_id: str = "run-1", **changes: Any) -> StoredDecision:
    values: dict[str, Any] = {
        "line_id": line_id,
        "run_id": run_id,
        "sku": "A",
        "home_location": "EAST",
        "rank": rank,
        "competing_lines": 3,
        "segment": "everyone else",
        "strategy": "redistribute",
        "rule": "tier, then line id",
        "allocated": 4,
        "substituted": 0,
        "ring_fenced": 0,
        "short": 0,
        "late": 0,
        "promise_date": TODAY,
        "cover_date": None,
        "offered_sku": None,
        "flags": 0,
        "decided_at": NOW,
    }
    return StoredDecision(**(values | changes))


def _lines(application: Application) -> list[int]:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        ids = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 4), ("A", 6), ("A", 5)), NOW)
        uow.commit()
    return ids


def test_allocations_round_trip_and_release(application: Application) -> None:
    one, two, three = _lines(application)
    with application.context.unit_of_work() as uow:
        uow.allocations.add_rows([_row(one, "OH/A/EAST", 4), _row(two, "PO-1/1", 6)])
        uow.allocations.add(
            [Allocation(three, "OH/A/WEST", 5, "WEST", TODAY, "A")], "priority", "run-1"
        )
        uow.commit()

    with application.context.unit_of_work() as uow:
        held = uow.allocations.of_lines([one, three])
        assert [(h.allocation, h.phase, h.run_id) for h in held] == [
            (Allocation(one, "OH/A/EAST", 4, "EAST", TODAY, "A"), "intake", None),
            (Allocation(three, "OH/A/WEST", 5, "WEST", TODAY, "A"), "priority", "run-1"),
        ]
        assert uow.allocations.allocated_by_sources(["A"]) == {
            "OH/A/EAST": 4,
            "PO-1/1": 6,
            "OH/A/WEST": 5,
        }
        assert len(uow.allocations.drawing_on(["A", "B"])) == 3
        assert uow.allocations.release_lines([one, two]) == 2
        uow.commit()

    with application.context.reader() as uow:
        assert uow.allocations.allocated_by_sources(["A"]) == {"OH/A/WEST": 5}


def test_received_units_carry_the_oldest_allocations_into_stock(application: Application) -> None:
    one, two, three = _lines(application)
    with application.context.unit_of_work() as uow:
        uow.allocations.add_rows(
            [_row(one, "PO-1/1", 4), _row(two, "PO-1/1", 6), _row(three, "PO-1/1", 5)]
        )
        uow.allocations.move_to_stock([("PO-1/1", "OH/A/EAST", 7)])
        uow.commit()

    with application.context.reader() as uow:
        held = {
            (h.allocation.line_id, h.allocation.source_id): h.allocation.quantity
            for h in uow.allocations.of_lines([one, two, three])
        }
    assert held == {
        (one, "OH/A/EAST"): 4,
        (two, "OH/A/EAST"): 3,
        (two, "PO-1/1"): 3,
        (three, "PO-1/1"): 5,
    }


def test_decisions_are_replaced_per_line_and_found_by_rank(application: Application) -> None:
    one, two, three = _lines(application)
    with application.context.unit_of_work() as uow:
        uow.allocations.save_decisions([_decision(one, 1, run_id="old")])
        uow.allocations.save_decisions(
            [
                _decision(one, 1),
                _decision(two, 2, allocated=2, short=4, cover_date=in_days(30), flags=5),
                _decision(three, 3, allocated=0, short=5, offered_sku="B"),
            ]
        )
        uow.allocations.add_rows(
            [_row(one, "OH/A/EAST", 4), _row(two, "OH/A/WEST", 2, location="WEST")]
        )
        uow.commit()

    with application.context.reader() as uow:
        first = uow.allocations.decision(one)
        assert first is not None
        assert first.run_id == "run-1"
        second = uow.allocations.decision(two)
        assert second is not None
        assert (second.short, second.cover_date, second.flags) == (4, in_days(30), 5)
        assert utc(second.decided_at) == NOW
        assert uow.allocations.decision(999) is None
        at_rank = uow.allocations.decision_at_rank("run-1", "A", 3)
        assert at_rank is not None
        assert (at_rank.line_id, at_rank.offered_sku) == (three, "B")
        holders, total = uow.allocations.better_ranked_holders("run-1", "A", 3, ["EAST"], 5)
        assert (holders, total) == ([(one, 1, "everyone else", 4)], 1)
        holders, total = uow.allocations.better_ranked_holders("run-1", "A", 3, ["EAST", "WEST"], 1)
        assert (holders, total) == ([(one, 1, "everyone else", 4)], 2)


def test_a_batch_of_decisions_and_allocations_round_trips_as_columns(
    application: Application,
) -> None:
    # Enough rows for the bulk paths (COPY on PostgreSQL), with text COPY must escape.
    ids = list(range(10_000, 11_000))
    decisions = [
        _decision(i, i - 9_999, rule="tier\tthen\\line\nid", offered_sku=None if i % 2 else "B")
        for i in ids
    ]
    columns = DecisionColumns({c: [getattr(d, c) for d in decisions] for c in DECISION_COLUMNS})
    assert list(columns) == decisions
    assert columns[3] == decisions[3]
    rows = [_row(i, "OH/A/EAST", 1) | {"run_id": "run-1"} for i in ids[:300]]
    with application.context.unit_of_work() as uow:
        uow.allocations.save_decisions([_decision(ids[0], 1, run_id="old")])
        uow.allocations.save_decisions(columns)
        uow.allocations.add_columns({c: [r[c] for r in rows] for c in ALLOCATION_COLUMNS})
        uow.commit()

    with application.context.reader() as uow:
        stored = [uow.allocations.decision(i) for i in (ids[0], ids[1], ids[-1])]
        assert [d._replace(decided_at=utc(d.decided_at)) for d in stored if d] == [
            decisions[0],
            decisions[1],
            decisions[-1],
        ]
        held = uow.allocations.of_lines(ids[:300])
        assert [(h.allocation.line_id, h.allocation.available_date, h.run_id) for h in held] == [
            (i, TODAY, "run-1") for i in ids[:300]
        ]


def test_runs_round_trip(application: Application) -> None:
    with application.context.unit_of_work() as uow:
        uow.allocations.start_run("r1", "priority", "default v1", "A,B", "pat", NOW)
        uow.allocations.start_run("r2", "optimal", "default v1", "", "pat", NOW + ONE_DAY)
        uow.allocations.finish_run("r1", {"lines": 3, "objective": 1.5}, NOW + ONE_DAY)
        uow.commit()

    with application.context.reader() as uow:
        run = uow.allocations.run("r1")
        assert run is not None
        assert (run["status"], run["solver"], run["scope"], run["requested_by"]) == (
            "completed",
            "priority",
            "A,B",
            "pat",
        )
        assert run["summary"] == {"lines": 3, "objective": 1.5}
        assert run["finished_at"] == NOW + ONE_DAY  # aware, in UTC, on both backends
        assert [r["run_id"] for r in uow.allocations.runs(10)] == ["r2", "r1"]
        assert uow.allocations.run("nope") is None
