"""Force-allocate: a planner's override takes units from the lowest-ranked holders, and no
later run (priority or optimal, incremental or full) takes them away (both backends)."""

from __future__ import annotations

from datetime import date

import pytest

from backorder.bootstrap import Application
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers import case_overrides, purchasing, supply
from backorder.service_layer.handlers.allocation import run_allocation
from backorder.service_layer.handlers.forced import ForcedSource, force_allocate
from tests.integration.orchestration import ACTOR, audit, held, open_case, outbox, place, seed

STOCK = "OH/A/EAST"


def test_forced_units_come_from_the_lowest_ranked_holders_and_stay_through_every_run(
    application: Application,
) -> None:
    seed(application, stock={"A": 9})
    best = place(application, "SO-1", "C-STR", "A", 5)
    middle = place(application, "SO-2", "C-STD", "A", 4, days=2)
    last = place(application, "SO-3", "C-STD", "A", 6)
    # Intake serves first come, first served: the last line gets nothing.
    assert [held(application, line) for line in (best, middle, last)] == [
        [(STOCK, 5, "intake")],
        [(STOCK, 4, "intake")],
        [],
    ]
    case = open_case(application, last)

    outcome = force_allocate(
        application.context, case, [ForcedSource(STOCK, 6)], "key account promise", "planner"
    )

    # Nothing was free: the standard line goes first, then the strategic one.
    assert [(t.line_id, t.quantity, t.rank) for t in outcome.taken] == [
        (middle, 4, 2),
        (best, 2, 1),
    ]
    assert held(application, last) == [(STOCK, 6, "forced")]
    assert held(application, best) == [(STOCK, 3, "priority")]
    for solver in ("priority", "optimal", "priority"):
        run_allocation(application.context, skus=None, solver=solver, actor=ACTOR)
        assert held(application, last) == [(STOCK, 6, "forced")], solver
        assert held(application, best) == [(STOCK, 3, "priority")], solver
        assert held(application, middle) == [], solver
    with application.context.reader() as uow:
        line = uow.orders.get_line(last)
        assert line is not None
        assert (line.line.status.value, line.allocated_quantity) == ("allocated", 6)
    assert "case.force_allocated" in audit(application, f"case/{case}")
    assert outbox(application, "backorder.case.changed.v1")[-1]["line_id"] == last

    # A smaller stock clips the pin to what exists; a cancelled line gives its units back.
    supply.set_stock(application.context, [supply.StockLevel("A", "EAST", 4)], ACTOR)
    assert held(application, last) == [(STOCK, 4, "forced")]
    assert held(application, best) == []
    case_overrides.cancel_case(application.context, case, "customer cancelled", "csr")
    assert held(application, last) == []
    assert held(application, best) == [(STOCK, 4, "priority")]


def test_a_forced_receipt_follows_its_units_into_stock(application: Application) -> None:
    seed(application)
    purchasing.create_purchase_order(
        application.context,
        "PO-1",
        "ACME",
        [purchasing.PurchaseOrderLineInput("A", "EAST", 10, date(2026, 12, 10))],
        ACTOR,
    )
    first = place(application, "SO-1", "C-STR", "A", 8)
    second = place(application, "SO-2", "C-STD", "A", 5)
    case = open_case(application, second)

    outcome = force_allocate(application.context, case, [ForcedSource("PO-1/1", 5)], "vip", "p")
    purchasing.receive(application.context, "PO-1", 1, 10, ACTOR)

    assert [t.line_id for t in outcome.taken] == [first]
    assert held(application, second) == [(STOCK, 5, "forced")]
    assert sum(units for _, units, _ in held(application, first)) == 5


def test_force_requests_are_checked_and_never_touch_other_forced_units(
    application: Application,
) -> None:
    seed(application, stock={"A": 6, "B": 3})
    first = open_case(application, place(application, "SO-1", "C-STD", "A", 8))
    second = open_case(application, place(application, "SO-2", "C-STD", "A", 5))
    force_allocate(application.context, first, [ForcedSource(STOCK, 4)], "vip", "p")

    def refused(case: str, *sources: ForcedSource) -> str:
        with pytest.raises(InvalidInputError) as error:
            force_allocate(application.context, case, sources, "why", "p")
        return error.value.field

    assert refused(second, ForcedSource("OH/A/WEST", 1)) == "sources[0].source_id"
    assert refused(second, ForcedSource(STOCK, 1), ForcedSource("OH/B/EAST", 1)) == (
        "sources[1].source_id"
    )
    assert refused(second, ForcedSource(STOCK, 3)) == "sources[0].quantity"  # 4 of 6 forced
    assert refused(first, ForcedSource(STOCK, 1), ForcedSource(STOCK, 1)) == (
        "sources[1].source_id"
    )
    assert refused(first, ForcedSource(STOCK, 0)) == "sources[0].quantity"
    with pytest.raises(InvalidInputError, match="reason"):
        force_allocate(application.context, second, [ForcedSource(STOCK, 1)], " ", "p")

    force_allocate(application.context, second, [ForcedSource(STOCK, 2)], "both vip", "p")
    assert held(application, int(first.removeprefix("case-"))) == [(STOCK, 4, "forced")]
    assert held(application, int(second.removeprefix("case-"))) == [(STOCK, 2, "forced")]
    case_overrides.cancel_case(application.context, second, "gone", "csr")
    with pytest.raises(ConflictError):
        force_allocate(application.context, second, [ForcedSource(STOCK, 1)], "late", "p")
