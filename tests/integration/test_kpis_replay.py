"""KPIs over a replayed scenario agree with the same numbers worked out row by row in Python.

The SQL takes shortcuts for speed (units shipped on time as shipped minus late; the intake
promise as the line's first history entry): this test is the oracle that they hold on
data the service itself wrote.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from backorder.adapters import orm
from backorder.analytics.filters import KpiFilter
from backorder.analytics.linefacts import INTAKE_REASON
from backorder.analytics.snapshot import compute
from tests.browser.world import SPEC, SeededWorld, seed


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> SeededWorld:
    """The small reference scenario, replayed with its cases (about ten seconds)."""
    return seed(Path(tmp_path_factory.mktemp("replayed")))


def _oracle(connection: Any, where: KpiFilter, today: date) -> dict[str, Any]:
    lines = connection.execute(select(orm.order_lines)).all()
    shipments: dict[int, list[Any]] = defaultdict(list)
    for s in connection.execute(select(orm.shipments)):
        shipments[s.line_id].append(s)
    history: dict[int, list[Any]] = defaultdict(list)
    for h in connection.execute(select(orm.promise_history).order_by(orm.promise_history.c.id)):
        history[h.line_id].append(h)
    due = [
        line
        for line in lines
        if where.start <= line.requested_date <= where.end and line.status != "cancelled"
    ]
    in_full = first_pass = units = on_time_units = 0
    for line in due:
        on_time = sum(
            s.quantity for s in shipments[line.line_id] if s.shipped_on <= s.requested_date
        )
        on_time = min(on_time, line.quantity)
        units += line.quantity
        on_time_units += on_time
        in_full += on_time >= line.quantity
        intake = [h for h in history[line.line_id] if h.reason == INTAKE_REASON]
        first_pass += (
            bool(intake)
            and intake[0].promise_date is not None
            and (intake[0].promise_date <= line.requested_date)
        )
    backlog = [
        line
        for line in lines
        if line.backordered_quantity > 0 and line.status not in ("cancelled", "shipped")
    ]
    return {
        "due": len(due),
        "in_full": in_full,
        "first_pass": first_pass,
        "units": units,
        "on_time_units": on_time_units,
        "backordered_lines": len(backlog),
        "backordered_units": sum(line.backordered_quantity for line in backlog),
        "aged_over_7": sum(
            1 for line in backlog if line.backordered_since < today - timedelta(days=7)
        ),
    }


def test_sql_kpis_match_a_row_by_row_count(replayed: SeededWorld) -> None:
    today = replayed.now.date()
    where = KpiFilter(SPEC.start, today + timedelta(days=30))
    engine = create_engine(replayed.database_url)
    with engine.connect() as connection:
        found = compute(connection, where, today=today, now=replayed.now)
        expected = _oracle(connection, where, today)
    engine.dispose()
    service = found.service
    assert expected["due"] > 500
    assert service.due_lines == expected["due"]
    assert service.line_fill_rate == pytest.approx(expected["in_full"] / expected["due"])
    assert service.unit_fill_rate == pytest.approx(expected["on_time_units"] / expected["units"])
    assert service.first_pass_line_fill_rate == pytest.approx(
        expected["first_pass"] / expected["due"]
    )
    assert found.backordered_lines == expected["backordered_lines"]
    assert found.backordered_units == expected["backordered_units"]
    assert sum(b.lines for b in found.backlog[1:]) == expected["aged_over_7"]
    assert 0 < found.promise.shipped_lines <= expected["due"]
    assert found.suppliers, "the replay confirms purchase orders"
    assert sum(s.acknowledged for s in found.suppliers) > 0
