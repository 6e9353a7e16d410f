"""Expedite proposals, the expedites' costs, and moving a PO line's date forward."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from backorder.adapters import orm
from backorder.adapters.repositories.tasks import dialect_insert, ignoring_duplicates


@dataclass(frozen=True)
class ExpediteRecord:
    """A stored expedite proposal."""

    proposal_id: int
    line_id: int
    case_id: str | None
    sku: str
    kind: str
    source_id: str | None
    origin: str | None
    destination: str
    quantity: int
    cost: float
    current_promise: date
    new_date: date
    new_promise: date
    reason: str
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    transfer_number: str | None


_FIELDS = tuple(f.name for f in fields(ExpediteRecord))


def _proposal(row: Any) -> ExpediteRecord:
    return ExpediteRecord(**{name: getattr(row, name) for name in _FIELDS})


_table = orm.expedite_proposals
# Prepared once, reused with new values. One undecided proposal per line is a unique
# index: a proposal for a line that has one inserts nothing.
_PROPOSE = {
    name: statement.returning(*_table.c) for name, statement in ignoring_duplicates(_table).items()
}
_GET = select(_table).where(_table.c.proposal_id == bindparam("proposal_id"))
_OPEN_FOR_LINE = select(_table).where(
    _table.c.line_id == bindparam("line_id"), _table.c.status == "proposed"
)
_FLOWN = select(_table.c.source_id).where(
    _table.c.source_id.in_(bindparam("source_ids", expanding=True)),
    _table.c.kind == "premium_freight",
    _table.c.status == "approved",
)


class ExpediteRepository:
    """Expedite proposals on one connection (inside the caller's transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, row: dict[str, Any]) -> int | None:
        """Store a proposal unless the line has one undecided; returns its id or None."""
        proposal = self.propose(row)
        return proposal.proposal_id if proposal is not None else None

    def propose(self, row: dict[str, Any]) -> ExpediteRecord | None:
        """Store a proposal unless the line has one undecided (a concurrent one included);
        returns it as stored, or None."""
        found = self.connection.execute(dialect_insert(_PROPOSE, self.connection), row).first()
        return _proposal(found) if found is not None else None

    def get(self, proposal_id: int) -> ExpediteRecord | None:
        """One proposal, or None."""
        row = self.connection.execute(_GET, {"proposal_id": proposal_id}).first()
        return _proposal(row) if row is not None else None

    def open_for_line(self, line_id: int) -> ExpediteRecord | None:
        """The undecided proposal of a line, if any."""
        row = self.connection.execute(_OPEN_FOR_LINE, {"line_id": line_id}).first()
        return _proposal(row) if row is not None else None

    def page(
        self,
        *,
        status: str | None = None,
        line_id: int | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[ExpediteRecord]:
        """Proposals by id, filtered, a page at a time."""
        table = orm.expedite_proposals
        clauses = []
        if status:
            clauses.append(table.c.status == status)
        if line_id is not None:
            clauses.append(table.c.line_id == line_id)
        if after is not None:
            clauses.append(table.c.proposal_id > after)
        rows = self.connection.execute(
            select(table).where(*clauses).order_by(table.c.proposal_id).limit(limit)
        )
        return [_proposal(r) for r in rows]

    def flown(self, source_ids: Sequence[str]) -> set[str]:
        """The PO lines among these that premium freight was already approved for."""
        if not source_ids:
            return set()
        rows = self.connection.execute(_FLOWN, {"source_ids": list(source_ids)})
        return {r[0] for r in rows}

    def decide(self, proposal_id: int, **values: Any) -> bool:
        """Record the decision on an undecided proposal; False when it was decided already."""
        table = orm.expedite_proposals
        result = self.connection.execute(
            update(table)
            .where(table.c.proposal_id == proposal_id, table.c.status == "proposed")
            .values(**values)
        )
        return bool(result.rowcount)

    def move_receipt(self, source_id: str, new_date: date, now: datetime) -> None:
        """Bring a PO line's due date forward (its confirmed date, else its expected date)."""
        lines = orm.purchase_order_lines
        self.connection.execute(
            update(lines)
            .where(lines.c.source_id == source_id, lines.c.confirmed_date.is_not(None))
            .values(confirmed_date=new_date, updated_at=now)
        )
        self.connection.execute(
            update(lines)
            .where(lines.c.source_id == source_id, lines.c.confirmed_date.is_(None))
            .values(expected_date=new_date, updated_at=now)
        )
