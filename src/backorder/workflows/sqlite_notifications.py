"""One query per poll for every waiting workflow on SQLite, not one query per workflow.

SQLite has no LISTEN/NOTIFY, so DBOS wakes workflows waiting in `recv` (and `get_event`)
by polling: every `notification_listener_polling_interval_sec` it runs one SELECT per
waiting workflow. Every open backorder case waits for news, so a server with 500 open
cases ran 5,000 queries a second while idle and kept a core half busy (measured: 44-80 %
of a core, two thirds of the samples in that loop). This listener asks once per poll
which of the waiting workflows have a message (or an event, or stream rows) and wakes
exactly those.

It replaces `SQLiteSystemDatabase._notification_listener` (a private DBOS hook) before
DBOS launches. `install` checks that the DBOS version still has the parts it relies on
and leaves DBOS's own listener in place otherwise, so an upgrade can slow the poll down
but never stop workflows from waking.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
import structlog

log = structlog.get_logger(__name__)

_WAITER_MAPS = ("notifications_map", "workflow_events_map", "streams_map")


def _present(
    connection: sa.Connection,
    table: sa.Table,
    id_column: str,
    key_column: str,
    workflow_ids: Sequence[str],
    *conditions: sa.ColumnElement[bool],
) -> set[tuple[str, Any]]:
    """(workflow id, key) pairs with at least one row in `table` for the given workflows."""
    ids, keys = table.c[id_column], table.c[key_column]
    # The ids go in as one JSON array: the statement's text is the same whatever their
    # number, so it is compiled and prepared once, not per poll with a bound parameter
    # per id (half the poll's time with 500 cases waiting).
    waiting = sa.func.json_each(sa.bindparam("waiting")).table_valued("value")
    query = sa.select(ids, keys).where(ids.in_(sa.select(waiting.c.value)), *conditions)
    rows = connection.execute(query.distinct(), {"waiting": json.dumps(list(workflow_ids))})
    return {(row[0], row[1]) for row in rows}


def _wake(waiters: Iterable[tuple[str, tuple[Any, ...], Any]], found: set[tuple[str, Any]]) -> None:
    for _payload, (workflow_id, key, _shard_key), event in waiters:
        if (workflow_id, key) in found:
            event.set()


def poll_once(system_db: Any) -> None:
    """Wake every waiting workflow whose message, event or stream row has arrived."""
    tables = system_db.tables
    notifications = system_db.notifications_map.snapshot()
    events = system_db.workflow_events_map.snapshot()
    streams = system_db.streams_map.snapshot()
    if not (notifications or events or streams):
        return
    with system_db.engine.connect() as connection:
        if notifications:
            waiting = sorted({components[0] for _, components, _ in notifications})
            table = tables.notifications
            found = _present(
                connection,
                table,
                "destination_uuid",
                "topic",
                waiting,
                table.c.consumed == sa.false(),
            )
            _wake(notifications, found)
        for waiters, table in ((events, tables.workflow_events), (streams, tables.streams)):
            if waiters:
                waiting = sorted({components[0] for _, components, _ in waiters})
                _wake(waiters, _present(connection, table, "workflow_uuid", "key", waiting))


def _listen(system_db: Any) -> None:
    """The listener loop: DBOS's interval and shutdown flag, one batched poll per turn."""
    interval = system_db._notification_listener_polling_interval_sec
    while system_db._run_background_processes:
        time.sleep(interval)
        try:
            poll_once(system_db)
        except Exception as error:  # a locked or closing database: try again next turn
            if system_db._run_background_processes:
                log.warning("workflow_notification_poll_failed", error=str(error))


def install() -> bool:
    """Use the batched listener for DBOS on SQLite; False when this DBOS lacks the hook."""
    try:
        from dbos._sys_db_sqlite import SQLiteSystemDatabase
    except ImportError:
        return False
    if not hasattr(SQLiteSystemDatabase, "_notification_listener"):
        log.warning("workflow_notification_poll_not_batched", reason="unknown DBOS version")
        return False
    original = SQLiteSystemDatabase._notification_listener
    if getattr(original, "batched", False):
        return True

    def listener(self: Any) -> None:
        needed = (*_WAITER_MAPS, "tables", "engine", "_notification_listener_polling_interval_sec")
        if all(hasattr(self, name) for name in needed):
            _listen(self)
        else:
            original(self)

    listener.batched = True  # type: ignore[attr-defined]
    SQLiteSystemDatabase._notification_listener = listener  # type: ignore[method-assign]
    return True
