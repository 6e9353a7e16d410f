"""Purchase and transfer suggestions, the cases they serve, supplier reminders, and the
stock facts replenishment decides on (free stock per DC, a line's home DC, demand)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from backorder.adapters import orm
from backorder.adapters.repositories.supply import on_hand_source_id
from backorder.adapters.repositories.tasks import dialect_insert, ignoring_duplicates

OPEN_STATUSES = ("suggested", "approved")  # waiting for a decision or being carried out

# Prepared once, reused with new values (a case evaluation runs them for many cases).
_table, _links = orm.purchase_suggestions, orm.purchase_suggestion_cases
_SUGGESTION = select(_table).where(_table.c.suggestion_id == bindparam("suggestion_id"))
_ADD_SUGGESTION = insert(_table).returning(*_table.c)
_OPEN_OF_ITEM = (
    select(_table)
    .where(
        _table.c.sku == bindparam("sku"),
        _table.c.location == bindparam("location"),
        _table.c.status == "suggested",
    )
    .order_by(_table.c.suggestion_id)
)
_CASES_OF = (
    select(_links.c.case_id)
    .where(_links.c.suggestion_id == bindparam("suggestion_id"))
    .order_by(_links.c.case_id)
)
_SERVED = (
    select(_links.c.case_id, _links.c.line_id)
    .where(_links.c.suggestion_id == bindparam("suggestion_id"))
    .order_by(_links.c.case_id)
)
_LINK = ignoring_duplicates(_links)
_PENDING_UNITS = select(func.coalesce(func.sum(_table.c.quantity), 0)).where(
    _table.c.sku == bindparam("sku"),
    _table.c.location == bindparam("location"),
    _table.c.status.in_(OPEN_STATUSES),
)
_REJECTED_KINDS = (
    select(_table.c.kind)
    .where(
        _table.c.sku == bindparam("sku"),
        _table.c.location == bindparam("location"),
        _table.c.status == "rejected",
        _table.c.decided_at >= bindparam("since"),
    )
    .distinct()
)
_reminders = orm.supplier_reminders
_REMINDED = select(_reminders.c.reminder_id).where(
    _reminders.c.source_id == bindparam("source_id"),
    _reminders.c.reminded_on == bindparam("reminded_on"),
)
_ADD_REMINDER = {
    name: statement.returning(_reminders.c.reminder_id)
    for name, statement in ignoring_duplicates(_reminders).items()
}
_inventory, _allocations = orm.inventory, orm.allocations
_ON_HAND = select(_inventory.c.location, _inventory.c.on_hand).where(
    _inventory.c.sku == bindparam("sku")
)
_TAKEN = (
    select(_allocations.c.source_id, func.sum(_allocations.c.quantity))
    .where(_allocations.c.source_id.in_(bindparam("sources", expanding=True)))
    .group_by(_allocations.c.source_id)
)
_DECIDED_HOME = select(orm.decision_records.c.home_location).where(
    orm.decision_records.c.line_id == bindparam("line_id")
)
_LINE_HOME = (
    select(orm.order_lines.c.ship_from, orm.customers.c.home_location, orm.customers.c.region)
    .join(orm.customers, orm.customers.c.code == orm.order_lines.c.customer)
    .where(orm.order_lines.c.line_id == bindparam("line_id"))
)
_FIRST_DC = (
    select(orm.locations.c.code)
    .order_by((orm.locations.c.region != bindparam("region")).asc(), orm.locations.c.code)
    .limit(1)
)


@dataclass(frozen=True)
class SuggestionRecord:
    """A stored purchase (or transfer) suggestion."""

    suggestion_id: int
    kind: str
    sku: str
    location: str
    origin: str | None
    supplier: str | None
    quantity: int
    unit_cost: float
    value: float
    expected_date: date
    reason: str
    status: str
    created_at: datetime
    updated_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    po_number: str | None
    case_ids: tuple[str, ...] = ()


_SUGGESTION_FIELDS = tuple(f.name for f in fields(SuggestionRecord) if f.name != "case_ids")


def _suggestion(row: Any, case_ids: tuple[str, ...] = ()) -> SuggestionRecord:
    return SuggestionRecord(**{n: getattr(row, n) for n in _SUGGESTION_FIELDS}, case_ids=case_ids)


def _suggestion_with(record: SuggestionRecord, case_ids: tuple[str, ...]) -> SuggestionRecord:
    return replace(record, case_ids=case_ids)


class ReplenishmentRepository:
    """Suggestions and reminders on one connection (inside the caller's transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- suggestions ---------------------------------------------------------------------

    def add_suggestion(self, row: dict[str, Any]) -> int:
        """Store a new suggestion; returns its id."""
        return self.insert_suggestion(row).suggestion_id

    def insert_suggestion(self, row: dict[str, Any]) -> SuggestionRecord:
        """Store a new suggestion; returns it as stored (it serves no case yet)."""
        return _suggestion(self.connection.execute(_ADD_SUGGESTION, row).one())

    def get_suggestion(
        self, suggestion_id: int, *, with_cases: bool = True
    ) -> SuggestionRecord | None:
        """One suggestion, or None; with the cases it serves unless `with_cases` is False."""
        row = self.connection.execute(_SUGGESTION, {"suggestion_id": suggestion_id}).first()
        if row is None:
            return None
        return _suggestion(row, tuple(self.cases_of(suggestion_id)) if with_cases else ())

    def open_suggestion(self, sku: str, location: str, kind: str) -> SuggestionRecord | None:
        """The undecided suggestion of this kind for the item x DC, if any."""
        found = self.open_suggestions(sku, location, with_cases=False).get(kind)
        if found is None:
            return None
        return _suggestion_with(found, tuple(self.cases_of(found.suggestion_id)))

    def open_suggestions(
        self, sku: str, location: str, *, with_cases: bool = True
    ) -> dict[str, SuggestionRecord]:
        """The undecided suggestions for the item x DC (at most one per kind), by kind."""
        rows = self.connection.execute(_OPEN_OF_ITEM, {"sku": sku, "location": location})
        found: dict[str, SuggestionRecord] = {}
        for row in rows:
            if row.kind not in found:
                cases = tuple(self.cases_of(row.suggestion_id)) if with_cases else ()
                found[row.kind] = _suggestion(row, cases)
        return found

    def update_suggestion(self, suggestion_id: int, **values: Any) -> None:
        """Change stored fields of a suggestion."""
        table = orm.purchase_suggestions
        self.connection.execute(
            update(table).where(table.c.suggestion_id == suggestion_id).values(**values)
        )

    def suggestions(
        self,
        *,
        status: str | None = None,
        sku: str | None = None,
        location: str | None = None,
        kind: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[SuggestionRecord]:
        """Suggestions by id, filtered, a page at a time (with the cases they serve)."""
        table = orm.purchase_suggestions
        clauses = [
            column == value
            for column, value in (
                (table.c.status, status),
                (table.c.sku, sku),
                (table.c.location, location),
                (table.c.kind, kind),
            )
            if value
        ]
        if after is not None:
            clauses.append(table.c.suggestion_id > after)
        rows = self.connection.execute(
            select(table).where(*clauses).order_by(table.c.suggestion_id).limit(limit)
        ).all()
        links = orm.purchase_suggestion_cases
        served: dict[int, list[str]] = {}
        ids = [r.suggestion_id for r in rows]
        if ids:
            for link in self.connection.execute(
                select(links.c.suggestion_id, links.c.case_id)
                .where(links.c.suggestion_id.in_(ids))
                .order_by(links.c.case_id)
            ):
                served.setdefault(link.suggestion_id, []).append(link.case_id)
        return [_suggestion(r, tuple(served.get(r.suggestion_id, ()))) for r in rows]

    def link_case(
        self, suggestion_id: int, case_id: str, line_id: int, short: int, now: datetime
    ) -> bool:
        """Record that a suggestion serves a case; False when it already did."""
        result = self.connection.execute(
            dialect_insert(_LINK, self.connection),
            {
                "suggestion_id": suggestion_id,
                "case_id": case_id,
                "line_id": line_id,
                "short_quantity": short,
                "added_at": now,
            },
        )
        return bool(result.rowcount)

    def cases_of(self, suggestion_id: int) -> list[str]:
        """Ids of the cases a suggestion serves."""
        rows = self.connection.execute(_CASES_OF, {"suggestion_id": suggestion_id})
        return [r[0] for r in rows]

    def served(self, suggestion_id: int) -> list[tuple[str, int]]:
        """(case id, line id) of the cases a suggestion serves."""
        rows = self.connection.execute(_SERVED, {"suggestion_id": suggestion_id})
        return [(r.case_id, int(r.line_id)) for r in rows]

    def pending_units(self, sku: str, location: str) -> int:
        """Units of suggestions for the item x DC not yet decided or carried out."""
        total = self.connection.execute(
            _PENDING_UNITS, {"sku": sku, "location": location}
        ).scalar_one()
        return int(total)

    def rejected_since(self, sku: str, location: str, kind: str, since: datetime) -> bool:
        """True when a person rejected such a suggestion at or after `since`."""
        return kind in self.rejected_kinds_since(sku, location, since)

    def rejected_kinds_since(self, sku: str, location: str, since: datetime) -> set[str]:
        """The kinds of suggestion for the item x DC a person rejected at or after `since`."""
        rows = self.connection.execute(
            _REJECTED_KINDS, {"sku": sku, "location": location, "since": since}
        )
        return {r[0] for r in rows}

    def case_waits_for_suggestion(self, case_id: str) -> bool:
        """True when an undecided suggestion serves the case (its replenishment is pending)."""
        table, links = orm.purchase_suggestions, orm.purchase_suggestion_cases
        found = self.connection.execute(
            select(links.c.suggestion_id)
            .join(table, table.c.suggestion_id == links.c.suggestion_id)
            .where(links.c.case_id == case_id, table.c.status.in_(OPEN_STATUSES))
        ).first()
        return found is not None

    # -- supplier reminders --------------------------------------------------------------

    def add_reminder(self, row: dict[str, Any]) -> int | None:
        """Store a reminder unless the PO line had one that day; returns its id or None."""
        existing = self.connection.execute(
            _REMINDED, {"source_id": row["source_id"], "reminded_on": row["reminded_on"]}
        ).first()
        if existing is not None:
            return None
        # A concurrent reminder of the same line and day wins: nothing is inserted.
        found = self.connection.execute(dialect_insert(_ADD_REMINDER, self.connection), row)
        reminder_id = found.scalar_one_or_none()
        return int(reminder_id) if reminder_id is not None else None

    def reminders(self, source_id: str) -> list[dict[str, Any]]:
        """Reminders sent for a PO line, oldest first."""
        table = orm.supplier_reminders
        rows = self.connection.execute(
            select(table).where(table.c.source_id == source_id).order_by(table.c.reminder_id)
        )
        return [dict(r._mapping) for r in rows]

    # -- stock facts ---------------------------------------------------------------------

    def free_stock(self, sku: str) -> dict[str, int]:
        """Units on hand per DC not allocated to any line (never negative)."""
        levels = {
            r.location: int(r.on_hand) for r in self.connection.execute(_ON_HAND, {"sku": sku})
        }
        if not levels:
            return {}
        sources = {on_hand_source_id(sku, loc): loc for loc in levels}
        held = self.connection.execute(_TAKEN, {"sources": list(sources)})
        taken = {sources[r[0]]: int(r[1]) for r in held}
        return {loc: max(level - taken.get(loc, 0), 0) for loc, level in levels.items()}

    def free_elsewhere(self, sku: str, home: str) -> int:
        """The most free stock one other DC with a lane to `home` could send (above its
        safety stock)."""
        lanes, items = orm.lanes, orm.items
        origins = [
            r[0]
            for r in self.connection.execute(
                select(lanes.c.origin).where(lanes.c.destination == home, lanes.c.origin != home)
            )
        ]
        if not origins:
            return 0
        safety = self.connection.execute(
            select(items.c.safety_stock).where(items.c.sku == sku)
        ).scalar_one_or_none()
        free = self.free_stock(sku)
        return max((max(free.get(o, 0) - int(safety or 0), 0) for o in origins), default=0)

    def home_location(self, line_id: int) -> str | None:
        """The DC a line ships from by preference, as allocation sees it: its decision
        record's; else its own choice, its customer's home, the first DC (by code) of the
        customer's region, the first DC."""
        decided = self.connection.execute(_DECIDED_HOME, {"line_id": line_id}).first()
        if decided is not None:
            return str(decided[0])
        row = self.connection.execute(_LINE_HOME, {"line_id": line_id}).first()
        if row is None:
            return None
        if row.ship_from or row.home_location:
            return str(row.ship_from or row.home_location)
        return self.first_location(row.region)

    def first_location(self, region: str) -> str | None:
        """The first DC (by code) of the region, else the first DC; None without DCs."""
        fallback = self.connection.execute(_FIRST_DC, {"region": region}).scalar_one_or_none()
        return str(fallback) if fallback is not None else None

    def daily_demand(self, sku: str, location: str, since: datetime, days: int) -> float:
        """Average units per day ordered for the item at the DC since `since`."""
        lines, customers = orm.order_lines, orm.customers
        home = func.coalesce(lines.c.ship_from, customers.c.home_location)
        total = self.connection.execute(
            select(func.coalesce(func.sum(lines.c.quantity), 0))
            .select_from(lines.join(customers, customers.c.code == lines.c.customer))
            .where(
                lines.c.sku == sku,
                home == location,
                lines.c.ordered_at >= since,
                lines.c.status != "cancelled",
            )
        ).scalar_one()
        return float(total) / days if days > 0 else 0.0
