"""On SQLite, waiting case workflows are polled with one query per turn, not one each,
and the poll wakes exactly the workflows that have news."""

from __future__ import annotations

import time
from typing import Any

import pytest
from dbos._dbos import _get_dbos_instance
from sqlalchemy import event

from backorder.bootstrap import Application
from backorder.service_layer.handlers import supply
from backorder.workflows import sqlite_notifications
from backorder.workflows.dispatcher import dispatch_once
from tests.integration.durable import evaluations, until
from tests.integration.orchestration import ACTOR, place, seed


def _waiting(system_db: Any) -> set[str]:
    return {components[0] for _, components, _ in system_db.notifications_map.snapshot()}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_query_polls_every_waiting_case_and_wakes_only_those_with_news(
    running: Application,
) -> None:
    application, ctx = running, running.context
    seed(application)
    lines = {sku: place(application, f"SO-{sku}", "C-STD", sku, 5) for sku in ("A", "B")}
    cases = {sku: f"case-{line}" for sku, line in lines.items()}
    assert len(dispatch_once(ctx).opened) == 2
    for case in cases.values():
        until(f"{case} waits for news", lambda case=case: evaluations(case) >= 1)

    system_db: Any = _get_dbos_instance()._sys_db
    until("both cases wait in recv", lambda: set(cases.values()) <= _waiting(system_db))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(system_db.engine, "before_cursor_execute", count)
    try:
        sqlite_notifications.poll_once(system_db)
    finally:
        event.remove(system_db.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements

    # Stock for A only: its case is woken and looks again; B's case keeps waiting.
    before = {sku: evaluations(case) for sku, case in cases.items()}
    supply.set_stock(ctx, [supply.StockLevel("A", "EAST", 5)], ACTOR)
    assert len(dispatch_once(ctx).woken) == 1
    until("A's case looked at the news", lambda: evaluations(cases["A"]) > before["A"])
    time.sleep(0.5)  # a few polls more
    assert evaluations(cases["B"]) == before["B"]


def test_the_batched_listener_replaces_dbos_polling_on_sqlite() -> None:
    from dbos._sys_db_sqlite import SQLiteSystemDatabase

    assert sqlite_notifications.install()
    assert getattr(SQLiteSystemDatabase._notification_listener, "batched", False)
    assert sqlite_notifications.install()  # twice is the same as once
