"""SQLite reads the KPIs' few rows through the partial indexes made for them.

A partial index is used only when the query repeats its condition, so a reworded query
would silently read whole tables again (every shipment, every audit entry of every PO
line, every line ever placed): the numbers stay right, only the time grows with history.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from backorder.analytics import snapshot
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.service_layer.clock import FixedClock
from tests.integration.test_kpis import PERIOD, build_world


@pytest.fixture
def sqlite_world(clock: FixedClock, tmp_path: Path) -> Iterator[Application]:
    """The KPI world in a SQLite file."""
    url = f"sqlite:///{(tmp_path / 'backorder.db').as_posix()}"
    app = bootstrap(Settings(database_url=url, home=tmp_path), clock=clock)
    with app.engine.begin() as connection:
        build_world(connection)
    yield app
    app.close()


def test_kpi_statements_use_the_partial_indexes(sqlite_world: Application) -> None:
    statements: list[tuple[str, Any]] = []

    def seen(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(sqlite_world.engine, "before_cursor_execute", seen)
    try:
        snapshot.kpis(sqlite_world.context, PERIOD, cached=False)
    finally:
        event.remove(sqlite_world.engine, "before_cursor_execute", seen)
    plans = []
    with sqlite_world.engine.connect() as connection:
        for statement, parameters in statements:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            rows = cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            plans.append(" | ".join(str(row[-1]) for row in rows))
    used = " || ".join(plans)
    assert "USING INDEX ix_shipments_late" in used  # late shipments, fill rates
    assert "USING INDEX ix_order_lines_open_sku" in used  # fill-rate risk, open lines only
    # Supplier scorecards: lines of the POs created in the period, lines expected in it.
    assert "USING INDEX ix_purchase_order_lines_po_number" in used
    assert "USING INDEX ix_purchase_order_lines_expected_date" in used
    assert "SCAN shipments" not in used.replace("SCAN shipments USING INDEX", "")
