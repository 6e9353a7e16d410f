"""Current allocations, decision records and allocation runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, overload

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.sql import func

from backorder.adapters import orm
from backorder.adapters.backlog import load_backlog
from backorder.adapters.bulk import drop_temporary, insert_columns, insert_rows, key_table
from backorder.adapters.repositories.supply import value_chunks
from backorder.domain.allocation.builder import BuiltProblem
from backorder.domain.model import Allocation

_ALLOCATED_BY_SOURCE = (
    select(orm.allocations.c.source_id, func.sum(orm.allocations.c.quantity))
    .where(orm.allocations.c.sku.in_(bindparam("values", expanding=True)))
    .group_by(orm.allocations.c.source_id)
)
_MOVE_SOURCE = (
    update(orm.allocations)
    .where(orm.allocations.c.id == bindparam("k_id"))
    .values(source_id=bindparam("v_source_id"))
)
_SHRINK = (
    update(orm.allocations)
    .where(orm.allocations.c.id == bindparam("k_id"))
    .values(quantity=bindparam("v_quantity"))
)

ALLOCATION_COLUMNS = (
    "line_id",
    "source_id",
    "sku",
    "location",
    "quantity",
    "available_date",
    "phase",
    "run_id",
)


class StoredDecision(NamedTuple):
    """The decision record of a line as stored after its latest run.

    A named tuple, not a dataclass: a batch run makes one per open line, and as a tuple in
    column order it goes to the bulk insert as it is.
    """

    line_id: int
    run_id: str
    sku: str
    home_location: str
    rank: int
    competing_lines: int
    segment: str
    strategy: str
    rule: str
    allocated: int
    substituted: int
    ring_fenced: int
    short: int
    late: int
    promise_date: date | None
    cover_date: date | None
    offered_sku: str | None
    flags: int
    decided_at: datetime


DECISION_COLUMNS = StoredDecision._fields


class DecisionColumns(Sequence[StoredDecision]):
    """Decision records held as one list per field, in `DECISION_COLUMNS` order.

    A batch run's form: the SQL repository copies the lists to the database as they are;
    anything else reads them as records.
    """

    def __init__(self, columns: Mapping[str, list[Any]]) -> None:
        if tuple(columns) != DECISION_COLUMNS:
            raise ValueError(f"decision columns must be {DECISION_COLUMNS}")
        self.columns = dict(columns)

    def __len__(self) -> int:
        return len(self.columns["line_id"])

    @overload
    def __getitem__(self, index: int) -> StoredDecision: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[StoredDecision]: ...
    def __getitem__(self, index: int | slice) -> StoredDecision | Sequence[StoredDecision]:
        if isinstance(index, slice):
            return list(self)[index]
        return StoredDecision._make(column[index] for column in self.columns.values())

    def __iter__(self) -> Iterator[StoredDecision]:
        return map(StoredDecision._make, zip(*self.columns.values(), strict=True))


@dataclass(frozen=True)
class DueAllocation:
    """An allocation of stock on hand to a line that is due to ship."""

    id: int
    line_id: int
    source_id: str
    sku: str
    location: str
    quantity: int
    ordered: int
    shipped_quantity: int
    requested_date: date
    promise_date: date | None
    ship_complete: bool


@dataclass(frozen=True)
class StoredAllocation:
    """An allocation row with the phase that produced it."""

    allocation: Allocation
    phase: str
    run_id: str | None


class AllocationRepository:
    """Reads and writes allocations, decisions and runs on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def of_lines(self, line_ids: Sequence[int]) -> list[StoredAllocation]:
        """Allocations held by the given lines."""
        found: list[StoredAllocation] = []
        for start in range(0, len(line_ids), 900):
            chunk = list(line_ids[start : start + 900])
            rows = self.connection.execute(
                select(orm.allocations)
                .where(orm.allocations.c.line_id.in_(chunk))
                .order_by(orm.allocations.c.id)
            )
            found.extend(_stored(r) for r in rows)
        return found

    def drawing_on(self, skus: Sequence[str]) -> list[StoredAllocation]:
        """Allocations that draw on supply of the given items (substitutes included)."""
        rows = self.connection.execute(
            select(orm.allocations).where(orm.allocations.c.sku.in_(list(skus)))
        )
        return [_stored(r) for r in rows]

    def backlog(
        self, scope: Sequence[str] | None, today: date, tiers: Sequence[str]
    ) -> BuiltProblem:
        """The allocation problem of the open lines of `scope` (None: all), as arrays."""
        return load_backlog(self.connection, scope, today, tiers)

    def supply_problem(
        self, skus: Sequence[str], today: date, tiers: Sequence[str]
    ) -> BuiltProblem:
        """The supply side only (network, items, sources) of some items, as arrays."""
        return load_backlog(self.connection, skus, today, tiers, with_lines=False)

    def due_from_stock(self, today: date) -> list[DueAllocation]:
        """Allocations of stock on hand whose line is due (requested on or before today)."""
        a, lines, customers = orm.allocations, orm.order_lines, orm.customers
        rows = self.connection.execute(
            select(
                a.c.id,
                a.c.line_id,
                a.c.source_id,
                a.c.sku,
                a.c.location,
                a.c.quantity,
                lines.c.quantity.label("ordered"),
                lines.c.shipped_quantity,
                lines.c.requested_date,
                lines.c.promise_date,
                customers.c.ship_complete,
            )
            .join(lines, lines.c.line_id == a.c.line_id)
            .join(customers, customers.c.code == lines.c.customer)
            .where(
                a.c.source_id.startswith("OH/"),
                lines.c.requested_date <= today,
                lines.c.status.not_in(("cancelled", "shipped")),
            )
            .order_by(a.c.line_id, a.c.id)
        )
        return [DueAllocation(**r._mapping) for r in rows]

    def delete_ids(self, ids: Sequence[int]) -> None:
        """Delete allocation rows by id."""
        for start in range(0, len(ids), 900):
            self.connection.execute(
                delete(orm.allocations).where(
                    orm.allocations.c.id.in_(list(ids[start : start + 900]))
                )
            )

    def allocated_by_sources(self, skus: Sequence[str]) -> dict[str, int]:
        """Units allocated from each supply source of the given items."""
        found: dict[str, int] = {}
        for chunk in value_chunks(skus):
            assert chunk is not None
            rows = self.connection.execute(_ALLOCATED_BY_SOURCE, {"values": chunk})
            found.update({r[0]: int(r[1]) for r in rows})
        return found

    def add(self, allocations: Iterable[Allocation], phase: str, run_id: str | None) -> None:
        """Store allocations."""
        rows = [
            {
                "line_id": a.line_id,
                "source_id": a.source_id,
                "sku": a.sku,
                "location": a.ship_from,
                "quantity": a.quantity,
                "available_date": a.available_date,
                "phase": phase,
                "run_id": run_id,
            }
            for a in allocations
        ]
        if rows:
            self.connection.execute(insert(orm.allocations), rows)

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Store allocation rows as given (COPY on PostgreSQL when there are many)."""
        if len(rows) > 200:
            insert_rows(
                self.connection,
                orm.allocations,
                ALLOCATION_COLUMNS,
                (tuple(r[c] for c in ALLOCATION_COLUMNS) for r in rows),
            )
        elif rows:
            self.connection.execute(insert(orm.allocations), rows)

    def add_columns(self, columns: Mapping[str, list[Any]]) -> None:
        """Store allocation rows given as one list per column of `ALLOCATION_COLUMNS`."""
        if len(columns["line_id"]) > 200:
            insert_columns(self.connection, orm.allocations, columns)
            return
        self.add_rows(
            [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        )

    def release_lines(self, line_ids: Sequence[int]) -> int:
        """Delete the allocations of the given lines; returns how many rows went."""
        if len(line_ids) > 900:
            keys = key_table(self.connection, "tmp_released_lines", line_ids)
            removed = self.connection.execute(
                delete(orm.allocations).where(orm.allocations.c.line_id.in_(select(keys.c.key)))
            ).rowcount
            drop_temporary(self.connection, keys.name)
            return removed
        removed = 0
        for start in range(0, len(line_ids), 900):
            chunk = list(line_ids[start : start + 900])
            removed += self.connection.execute(
                delete(orm.allocations).where(orm.allocations.c.line_id.in_(chunk))
            ).rowcount
        return removed

    def move_to_stock(self, moves: Sequence[tuple[str, str, int]]) -> None:
        """Allocations on PO lines follow their units into stock as they are received.

        Each move is (PO line source id, stock source id, units received). The oldest
        allocations of a line move first, up to the units received; an allocation only
        partly covered is split.
        """
        a = orm.allocations
        held: dict[str, list[dict[str, Any]]] = {}
        for chunk in value_chunks([source for source, _, _ in moves]):
            assert chunk is not None
            for found in self.connection.execute(
                select(a).where(a.c.source_id.in_(chunk)).order_by(a.c.id)
            ):
                held.setdefault(found.source_id, []).append(dict(found._mapping))
        moved_ids: list[dict[str, Any]] = []
        shrunk: list[dict[str, Any]] = []
        split: list[dict[str, Any]] = []
        for source, stock, quantity in moves:
            left = quantity
            queue = held.get(source, [])
            while queue and left > 0:
                row = queue[0]
                moved = min(row["quantity"], left)
                left -= moved
                if moved == row["quantity"]:
                    moved_ids.append({"k_id": row["id"], "v_source_id": stock})
                    queue.pop(0)
                    continue
                row["quantity"] -= moved
                shrunk.append({"k_id": row["id"], "v_quantity": row["quantity"]})
                split.append(
                    {
                        "line_id": row["line_id"],
                        "source_id": stock,
                        "sku": row["sku"],
                        "location": row["location"],
                        "quantity": moved,
                        "available_date": row["available_date"],
                        "phase": row["phase"],
                        "run_id": row["run_id"],
                    }
                )
        if moved_ids:
            self.connection.execute(_MOVE_SOURCE, moved_ids)
        if shrunk:
            self.connection.execute(_SHRINK, shrunk)
        if split:
            self.connection.execute(insert(a), split)

    # -- decisions -----------------------------------------------------------------------

    def save_decisions(self, decisions: Sequence[StoredDecision]) -> None:
        """Replace the decision records of these lines."""
        ids = (
            decisions.columns["line_id"]
            if isinstance(decisions, DecisionColumns)
            else [d.line_id for d in decisions]
        )
        if len(ids) > 900:
            keys = key_table(self.connection, "tmp_decided_lines", ids)
            self.connection.execute(
                delete(orm.decision_records).where(
                    orm.decision_records.c.line_id.in_(select(keys.c.key))
                )
            )
            drop_temporary(self.connection, keys.name)
            if isinstance(decisions, DecisionColumns):
                insert_columns(self.connection, orm.decision_records, decisions.columns)
            else:
                insert_rows(self.connection, orm.decision_records, DECISION_COLUMNS, decisions)
            return
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            self.connection.execute(
                delete(orm.decision_records).where(orm.decision_records.c.line_id.in_(chunk))
            )
        if decisions:
            self.connection.execute(insert(orm.decision_records), [d._asdict() for d in decisions])

    def decision(self, line_id: int) -> StoredDecision | None:
        """The latest decision record of a line."""
        row = self.connection.execute(
            select(orm.decision_records).where(orm.decision_records.c.line_id == line_id)
        ).first()
        return StoredDecision(**row._mapping) if row is not None else None

    def decision_at_rank(self, run_id: str, sku: str, rank: int) -> StoredDecision | None:
        """The decision of the line at `rank` for `sku` in a run."""
        row = self.connection.execute(
            select(orm.decision_records).where(
                orm.decision_records.c.run_id == run_id,
                orm.decision_records.c.sku == sku,
                orm.decision_records.c.rank == rank,
            )
        ).first()
        return StoredDecision(**row._mapping) if row is not None else None

    def better_ranked_holders(
        self, run_id: str, sku: str, rank: int, locations: Sequence[str], limit: int
    ) -> tuple[list[tuple[int, int, str, int]], int]:
        """Lines ranked above `rank` holding supply of `sku` at the given DCs.

        Returns up to `limit` (line id, rank, segment, units) rows and the total count.
        """
        d, a = orm.decision_records, orm.allocations
        query = (
            select(d.c.line_id, d.c.rank, d.c.segment, func.sum(a.c.quantity))
            .join(a, a.c.line_id == d.c.line_id)
            .where(
                d.c.run_id == run_id,
                d.c.sku == sku,
                d.c.rank < rank,
                a.c.sku == sku,
                a.c.location.in_(list(locations)),
            )
            .group_by(d.c.line_id, d.c.rank, d.c.segment)
            .order_by(d.c.rank)
        )
        rows = self.connection.execute(query).all()
        return [(r[0], r[1], r[2], int(r[3])) for r in rows[:limit]], len(rows)

    # -- runs ----------------------------------------------------------------------------

    def start_run(
        self, run_id: str, solver: str, policy: str, scope: str, actor: str, now: datetime
    ) -> None:
        """Record that a run started."""
        self.connection.execute(
            insert(orm.allocation_runs).values(
                run_id=run_id,
                started_at=now,
                solver=solver,
                policy=policy,
                scope=scope,
                status="running",
                requested_by=actor,
            )
        )

    def finish_run(self, run_id: str, summary: dict[str, Any], now: datetime) -> None:
        """Record a run's outcome."""
        self.connection.execute(
            update(orm.allocation_runs)
            .where(orm.allocation_runs.c.run_id == run_id)
            .values(status="completed", finished_at=now, summary=summary)
        )

    def run(self, run_id: str) -> dict[str, Any] | None:
        """A run as a mapping, or None."""
        row = self.connection.execute(
            select(orm.allocation_runs).where(orm.allocation_runs.c.run_id == run_id)
        ).first()
        return dict(row._mapping) if row is not None else None

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs first."""
        rows = self.connection.execute(
            select(orm.allocation_runs)
            .order_by(orm.allocation_runs.c.started_at.desc())
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]


def _stored(row: Any) -> StoredAllocation:
    return StoredAllocation(
        allocation=Allocation(
            line_id=row.line_id,
            source_id=row.source_id,
            quantity=row.quantity,
            ship_from=row.location,
            available_date=row.available_date,
            sku=row.sku,
        ),
        phase=row.phase,
        run_id=row.run_id,
    )
