"""Pick requests: what the warehouse is asked to pick, in priority order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from backorder.adapters import orm
from backorder.adapters.repositories.tasks import dialect_insert, ignoring_duplicates


@dataclass(frozen=True)
class PickRecord:
    """A stored pick request."""

    pick_id: int
    line_id: int
    case_id: str | None
    sku: str
    location: str
    quantity: int
    picked_quantity: int | None
    priority: int
    rank: int | None
    promise_date: date | None
    status: str
    created_at: datetime
    confirmed_at: datetime | None
    confirmed_by: str | None


_FIELDS = tuple(f.name for f in fields(PickRecord))


def _pick(row: Any) -> PickRecord:
    return PickRecord(**{name: getattr(row, name) for name in _FIELDS})


_table = orm.pick_requests
# Prepared once, reused with new values.
_OPEN_PICK = select(_table.c.pick_id).where(
    _table.c.line_id == bindparam("line_id"),
    _table.c.location == bindparam("location"),
    _table.c.sku == bindparam("sku"),
    _table.c.status == "open",
)
_ADD = {
    name: statement.returning(_table.c.pick_id)
    for name, statement in ignoring_duplicates(_table).items()
}


class PickRepository:
    """Pick requests on one connection (inside the caller's transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, row: dict[str, Any]) -> int | None:
        """Store an open pick request unless the line has one open for that item and DC;
        returns its id or None."""
        key = {name: row[name] for name in ("line_id", "location", "sku")}
        if self.connection.execute(_OPEN_PICK, key).first() is not None:
            return None
        # A concurrent release of the same line wins: nothing is inserted.
        pick_id = self.connection.execute(dialect_insert(_ADD, self.connection), row)
        found = pick_id.scalar_one_or_none()
        return int(found) if found is not None else None

    def get(self, pick_id: int) -> PickRecord | None:
        """One pick request, or None."""
        table = orm.pick_requests
        row = self.connection.execute(select(table).where(table.c.pick_id == pick_id)).first()
        return _pick(row) if row is not None else None

    def page(
        self,
        *,
        location: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[PickRecord]:
        """Pick requests in the order they should be worked (priority, then age)."""
        table = orm.pick_requests
        clauses = []
        if location:
            clauses.append(table.c.location == location)
        if status:
            clauses.append(table.c.status == status)
        rows = self.connection.execute(
            select(table)
            .where(*clauses)
            .order_by(table.c.priority, table.c.pick_id)
            .limit(limit)
            .offset(offset)
        )
        return [_pick(r) for r in rows]

    def confirm(self, pick_id: int, status: str, picked: int, actor: str, now: datetime) -> bool:
        """Close an open pick request as picked or short; False when it was not open."""
        table = orm.pick_requests
        result = self.connection.execute(
            update(table)
            .where(table.c.pick_id == pick_id, table.c.status == "open")
            .values(status=status, picked_quantity=picked, confirmed_at=now, confirmed_by=actor)
        )
        return bool(result.rowcount)

    def lines_being_picked(self, line_ids: Sequence[int] | None = None) -> set[int]:
        """Lines with an open pick request (of the given lines, or all)."""
        table = orm.pick_requests
        query = select(table.c.line_id).where(table.c.status == "open").distinct()
        if line_ids is None:
            return {int(r[0]) for r in self.connection.execute(query)}
        found: set[int] = set()
        ids = list(line_ids)
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            found.update(
                int(r[0]) for r in self.connection.execute(query.where(table.c.line_id.in_(chunk)))
            )
        return found

    def forget_release(self, case_id: str) -> None:
        """Let a case be released to the warehouse again (its release action is undone)."""
        actions = orm.case_actions
        self.connection.execute(
            delete(actions).where(actions.c.case_id == case_id, actions.c.key == "release")
        )
