"""The indexes of order lines leave out what an allocation run writes, on PostgreSQL, so
that the run's updates stay in place (HOT); SQLite keeps its index of backordered lines."""

from __future__ import annotations

from sqlalchemy import inspect, text

from backorder.adapters.repositories.line_outcomes import _OUTCOME_COLUMNS
from backorder.bootstrap import Application

# The columns `record_outcomes` sets on every line an allocation run decides.
WRITTEN_BY_A_RUN = _OUTCOME_COLUMNS


def test_no_order_line_index_names_a_column_an_allocation_run_writes_on_postgresql(
    application: Application,
) -> None:
    engine = application.engine
    if engine.dialect.name != "postgresql":
        indexes = {i["name"] for i in inspect(engine).get_indexes("order_lines")}
        assert "ix_order_lines_backordered" in indexes
        return
    with engine.connect() as connection:
        definitions = connection.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'order_lines'")
        ).all()
    assert definitions
    offending = {
        name: column
        for name, definition in definitions
        for column in WRITTEN_BY_A_RUN
        if column in definition
    }
    assert offending == {}
