"""Revenue shifts are written with the promise changes that cause them, on both backends."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from backorder.adapters import orm
from backorder.adapters.repositories.orders import SMALL_BATCH, ShippedPiece
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.domain.finance import CalendarKind
from backorder.domain.model import LineStatus
from backorder.domain.operations import FinancePolicy
from backorder.policies import default_operations_policy
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.handlers import purchasing
from backorder.service_layer.handlers.finance import revenue_shift
from backorder.service_layer.handlers.orders import place_order
from tests.integration.helpers import NOW, TODAY, count, new_order, seed_master

DEC_5, DEC_20, JAN_8 = date(2026, 12, 5), date(2026, 12, 20), date(2027, 1, 8)
NOV_30 = date(2026, 11, 30)


def shifts(application: Application) -> list[tuple[object, ...]]:
    table = orm.revenue_shifts
    with application.engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                select(
                    table.c.line_id,
                    table.c.from_period,
                    table.c.to_period,
                    table.c.value,
                    table.c.reason,
                ).order_by(table.c.id)
            )
        ]


def test_single_line_moves_shift_value_between_months(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        [line] = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 5)), NOW)
        moves = [
            (NOV_30, "intake"),  # a first promise is a booking, not a shift
            (DEC_5, "supplier late"),  # November -> December
            (DEC_20, "re-plan"),  # inside December: nothing moves between periods
            (None, "supplier rejection"),  # out of December, to no period
            (JAN_8, "new purchase orders"),  # back, into January
        ]
        for promise, reason in moves:
            uow.orders.record_outcomes(
                [(line, LineStatus.BACKORDERED.value, 0, 5, promise)],
                today=TODAY,
                now=NOW,
                reason=reason,
            )
        uow.commit()

    assert shifts(application) == [
        (line, "2026-11", "2026-12", 50.0, "supplier late"),
        (line, "2026-12", None, 50.0, "supplier rejection"),
        (line, None, "2027-01", 50.0, "new purchase orders"),
    ]


def test_only_the_open_quantity_is_valued_and_record_outcome_shifts_too(
    application: Application,
) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        [line] = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 8)), NOW)
        uow.orders.record_outcome(
            line, status=LineStatus.ALLOCATED, allocated=8, backordered=0,
            promise_date=NOV_30, today=TODAY, now=NOW, reason="intake",
        )  # fmt: skip
        uow.commit()
    with application.context.unit_of_work() as uow:
        uow.orders.record_shipments([ShippedPiece(line, "A", "EAST", 3)], TODAY, NOW)  # 5 open
        uow.orders.record_outcome(
            line, status=LineStatus.PARTIALLY_ALLOCATED, allocated=0, backordered=5,
            promise_date=JAN_8, today=TODAY, now=NOW, reason="supplier late",
        )  # fmt: skip
        uow.commit()

    assert shifts(application) == [(line, "2026-11", "2027-01", 50.0, "supplier late")]
    with application.context.reader() as uow:
        [stored] = uow.finance.shifts_of_line(line)
    assert (stored["open_quantity"], stored["unit_price"]) == (5, 10.0)
    assert (stored["from_promise"], stored["to_promise"]) == (NOV_30, JAN_8)


def test_a_batch_moving_many_promises_writes_its_shifts_in_the_same_transaction(
    application: Application,
) -> None:
    seed_master(application)
    lines = 3 * SMALL_BATCH + 150  # above the bulk threshold of both the outcomes and shifts
    with application.context.unit_of_work() as uow:
        ids = uow.orders.add_order(
            new_order("SO-BIG", "C-STD", *[("A", 1 + i % 4) for i in range(lines)]), NOW
        )
        uow.orders.record_outcomes(
            [(i, "backordered", 0, 1, NOV_30) for i in ids], today=TODAY, now=NOW, reason="intake"
        )
        uow.commit()
    assert count(application, orm.revenue_shifts) == 0

    # A run that moves every promise but is rolled back leaves neither history nor shifts.
    history_before = count(application, orm.promise_history)
    with application.context.unit_of_work() as uow:
        uow.orders.record_outcomes(
            [(i, "backordered", 0, 1, DEC_5) for i in ids], today=TODAY, now=NOW, reason="run x"
        )
    assert (count(application, orm.promise_history), count(application, orm.revenue_shifts)) == (
        history_before,
        0,
    )

    with application.context.unit_of_work() as uow:
        outcomes = [
            (i, "backordered", 0, 1, DEC_20 if n % 3 else NOV_30 + timedelta(days=-1))
            for n, i in enumerate(ids)
        ]
        uow.orders.record_outcomes(outcomes, today=TODAY, now=NOW, reason="allocation run 1")
        uow.commit()

    moved = [i for n, i in enumerate(ids) if n % 3]  # the others stay in November
    rows = shifts(application)
    assert sorted(r[0] for r in rows) == moved
    assert {(r[1], r[2], r[4]) for r in rows} == {("2026-11", "2026-12", "allocation run 1")}
    expected = sum(10.0 * (1 + n % 4) for n, _ in enumerate(ids) if n % 3)
    assert sum(float(r[3]) for r in rows) == pytest.approx(expected)

    report = revenue_shift(application.context, first="2026-11", last="2026-12")
    november, december = report.periods
    assert (november.shifts.shifted_out, december.shifts.shifted_in) == (
        pytest.approx(expected),
        pytest.approx(expected),
    )
    assert (november.shifts.lines_out, december.shifts.lines_in) == (len(moved), len(moved))
    assert december.shifts.net == pytest.approx(expected)


def test_the_report_filters_by_tier_and_region_and_adds_expedite_cost(
    application: Application,
) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        [std] = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 2)), NOW)
        [west] = uow.orders.add_order(new_order("SO-2", "C-WEST", ("A", 3)), NOW)
        [strategic] = uow.orders.add_order(new_order("SO-3", "C-STR", ("A", 4)), NOW)
        for promise, reason in ((NOV_30, "intake"), (DEC_5, "late")):
            uow.orders.record_outcomes(
                [(i, "backordered", 0, 1, promise) for i in (std, west, strategic)],
                today=TODAY,
                now=NOW,
                reason=reason,
            )
        uow.finance.record_expedite_cost(
            line_id=strategic, case_id=f"case-{strategic}", cost=125.5, reason="air freight",
            approved_by="controller", at=NOW,
        )  # fmt: skip
        uow.finance.record_expedite_cost(
            line_id=west, cost=40.0, reason="express", approved_by="lead", at=NOW + timedelta(7)
        )
        uow.commit()

    everyone = revenue_shift(application.context, period="2026-12")
    [december] = everyone.periods
    assert (december.shifts.shifted_in, december.shifts.shifted_out) == (90.0, 0.0)
    assert december.expedite_cost == 40.0  # booked 4 December; the other on 27 November
    east = revenue_shift(application.context, period="2026-11", region="east")
    assert (east.shifted_out, east.expedite_cost) == (60.0, 125.5)
    strategic = revenue_shift(
        application.context, first="2026-11", last="2026-12", tier="strategic"
    )
    assert (strategic.shifted_in, strategic.shifted_out, strategic.expedite_cost) == (
        40.0,
        40.0,
        125.5,
    )
    assert [p.shifts.net for p in strategic.periods] == [-40.0, 40.0]
    with pytest.raises(InvalidInputError, match="to: 2026-10 is before 2026-12"):
        revenue_shift(application.context, first="2026-12", last="2026-10")
    with pytest.raises(InvalidInputError, match="period: "):
        revenue_shift(application.context, period="2026-12", first="2026-10")
    with pytest.raises(InvalidInputError, match="to: give a period"):
        revenue_shift(application.context, first="2026-10")


def test_a_445_calendar_labels_shifts_with_its_periods(database_url: str, tmp_path: Path) -> None:
    operations = default_operations_policy().model_copy(
        update={"finance": FinancePolicy(fiscal_calendar=CalendarKind.FOUR_FOUR_FIVE)}
    )
    application = bootstrap(
        Settings(database_url=database_url, home=tmp_path),
        clock=FixedClock(NOW),
        operations=operations,
    )
    try:
        seed_master(application)
        with application.context.unit_of_work() as uow:
            [line] = uow.orders.add_order(new_order("SO-1", "C-STD", ("A", 1)), NOW)
            for promise in (NOV_30, DEC_20, JAN_8):
                uow.orders.record_outcomes(
                    [(line, "backordered", 0, 1, promise)], today=TODAY, now=NOW, reason="run"
                )
            uow.finance.record_expedite_cost(
                line_id=line, cost=9.0, reason="courier", approved_by="lead", at=NOW
            )
            uow.commit()
        # FY2026 began 29 Dec 2025 and has 53 weeks: P12 runs six, 23 Nov 2026 .. 3 Jan 2027,
        # so the move to 20 December stays inside it and only 8 January shifts value.
        assert [(r[1], r[2]) for r in shifts(application)] == [("FY2026-P12", "FY2027-P01")]
        report = revenue_shift(application.context, first="FY2026-P11", last="FY2027-P01")
        assert [p.period.label for p in report.periods] == [
            "FY2026-P11",
            "FY2026-P12",
            "FY2027-P01",
        ]
        assert [p.expedite_cost for p in report.periods] == [0.0, 9.0, 0.0]
        with pytest.raises(InvalidInputError, match="period: '2026-11' is not a period label"):
            revenue_shift(application.context, period="2026-11")
    finally:
        application.close()


def test_the_shift_rows_name_their_order_and_customer(application: Application) -> None:
    seed_master(application)
    with application.context.unit_of_work() as uow:
        [line] = uow.orders.add_order(new_order("SO-9", "C-WEST", ("A", 2)), NOW)
        for promise in (NOV_30, DEC_5):
            uow.orders.record_outcomes(
                [(line, "backordered", 0, 2, promise)], today=TODAY, now=NOW, reason="r"
            )
        uow.commit()
    with application.context.reader() as uow:
        [row] = uow.finance.shifts_of_line(line)
    assert (row["order_id"], row["customer"], row["value"]) == ("SO-9", "C-WEST", 20.0)


def test_a_supplier_confirming_later_shifts_revenue_through_the_handlers(
    application: Application,
) -> None:
    seed_master(application)
    ctx = application.context
    purchasing.create_purchase_order(
        ctx, "PO-1", "ACME", [purchasing.PurchaseOrderLineInput("A", "EAST", 10, NOV_30)], "test"
    )
    line_id = place_order(ctx, new_order("SO-1", "C-STD", ("A", 4)), "test").lines[0].line_id
    with ctx.reader() as uow:
        promised = uow.orders.get_line(line_id).line.promise_date  # type: ignore[union-attr]
    assert promised is not None
    assert promised < JAN_8

    purchasing.confirm_po_line(ctx, "PO-1", 1, JAN_8, None, "test")

    with ctx.reader() as uow:
        moved = uow.orders.get_line(line_id)
        [row] = uow.finance.shifts_of_line(line_id)
    assert moved is not None
    assert moved.line.promise_date is not None
    assert moved.line.promise_date >= JAN_8
    assert (row["from_promise"], row["to_promise"]) == (promised, moved.line.promise_date)
    assert (row["from_period"], row["to_period"], row["value"]) == (
        f"{promised:%Y-%m}",
        "2027-01",
        40.0,
    )
    assert row["reason"].startswith("allocation run")  # the reallocation the 855 caused
