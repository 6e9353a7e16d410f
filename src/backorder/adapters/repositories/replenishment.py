"""Purchase and transfer suggestions, the cases they serve, supplier reminders, and the
stock facts replenishment decides on (free stock per DC, a line's home DC, demand)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backorder.adapters import orm
from backorder.adapters.repositories.supply import on_hand_source_id

OPEN_STATUSES = ("suggested", "approved")  # waiting for a decision or being carried out


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


class ReplenishmentRepository:
    """Suggestions and reminders on one connection (inside the caller's transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- suggestions ---------------------------------------------------------------------

    def add_suggestion(self, row: dict[str, Any]) -> int:
        """Store a new suggestion; returns its id."""
        table = orm.purchase_suggestions
        result = self.connection.execute(
            insert(table).values(**row).returning(table.c.suggestion_id)
        )
        return int(result.scalar_one())

    def get_suggestion(self, suggestion_id: int) -> SuggestionRecord | None:
        """One suggestion with the cases it serves, or None."""
        table = orm.purchase_suggestions
        row = self.connection.execute(
            select(table).where(table.c.suggestion_id == suggestion_id)
        ).first()
        if row is None:
            return None
        return _suggestion(row, tuple(self.cases_of(suggestion_id)))

    def open_suggestion(self, sku: str, location: str, kind: str) -> SuggestionRecord | None:
        """The undecided suggestion of this kind for the item x DC, if any."""
        table = orm.purchase_suggestions
        row = self.connection.execute(
            select(table).where(
                table.c.sku == sku,
                table.c.location == location,
                table.c.kind == kind,
                table.c.status == "suggested",
            )
        ).first()
        return _suggestion(row, tuple(self.cases_of(row.suggestion_id))) if row else None

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
        links = orm.purchase_suggestion_cases
        found = self.connection.execute(
            select(links.c.case_id).where(
                links.c.suggestion_id == suggestion_id, links.c.case_id == case_id
            )
        ).first()
        if found is not None:
            return False
        self.connection.execute(
            insert(links).values(
                suggestion_id=suggestion_id,
                case_id=case_id,
                line_id=line_id,
                short_quantity=short,
                added_at=now,
            )
        )
        return True

    def cases_of(self, suggestion_id: int) -> list[str]:
        """Ids of the cases a suggestion serves."""
        links = orm.purchase_suggestion_cases
        rows = self.connection.execute(
            select(links.c.case_id)
            .where(links.c.suggestion_id == suggestion_id)
            .order_by(links.c.case_id)
        )
        return [r[0] for r in rows]

    def served(self, suggestion_id: int) -> list[tuple[str, int]]:
        """(case id, line id) of the cases a suggestion serves."""
        links = orm.purchase_suggestion_cases
        rows = self.connection.execute(
            select(links.c.case_id, links.c.line_id)
            .where(links.c.suggestion_id == suggestion_id)
            .order_by(links.c.case_id)
        )
        return [(r.case_id, int(r.line_id)) for r in rows]

    def pending_units(self, sku: str, location: str) -> int:
        """Units of suggestions for the item x DC not yet decided or carried out."""
        table = orm.purchase_suggestions
        total = self.connection.execute(
            select(func.coalesce(func.sum(table.c.quantity), 0)).where(
                table.c.sku == sku,
                table.c.location == location,
                table.c.status.in_(OPEN_STATUSES),
            )
        ).scalar_one()
        return int(total)

    def rejected_since(self, sku: str, location: str, kind: str, since: datetime) -> bool:
        """True when a person rejected such a suggestion at or after `since`."""
        table = orm.purchase_suggestions
        found = self.connection.execute(
            select(table.c.suggestion_id).where(
                table.c.sku == sku,
                table.c.location == location,
                table.c.kind == kind,
                table.c.status == "rejected",
                table.c.decided_at >= since,
            )
        ).first()
        return found is not None

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
        table = orm.supplier_reminders
        existing = self.connection.execute(
            select(table.c.reminder_id).where(
                table.c.source_id == row["source_id"], table.c.reminded_on == row["reminded_on"]
            )
        ).first()
        if existing is not None:
            return None
        try:
            with self.connection.begin_nested():
                result = self.connection.execute(
                    insert(table).values(**row).returning(table.c.reminder_id)
                )
                return int(result.scalar_one())
        except IntegrityError:
            return None  # a concurrent reminder of the same line and day won

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
        inventory, allocations = orm.inventory, orm.allocations
        levels = {
            r.location: int(r.on_hand)
            for r in self.connection.execute(
                select(inventory.c.location, inventory.c.on_hand).where(inventory.c.sku == sku)
            )
        }
        if not levels:
            return {}
        sources = {on_hand_source_id(sku, loc): loc for loc in levels}
        held = self.connection.execute(
            select(allocations.c.source_id, func.sum(allocations.c.quantity))
            .where(allocations.c.source_id.in_(list(sources)))
            .group_by(allocations.c.source_id)
        )
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
        decided = self.connection.execute(
            select(orm.decision_records.c.home_location).where(
                orm.decision_records.c.line_id == line_id
            )
        ).first()
        if decided is not None:
            return str(decided[0])
        lines, customers = orm.order_lines, orm.customers
        row = self.connection.execute(
            select(lines.c.ship_from, customers.c.home_location, customers.c.region)
            .join(customers, customers.c.code == lines.c.customer)
            .where(lines.c.line_id == line_id)
        ).first()
        if row is None:
            return None
        if row.ship_from or row.home_location:
            return str(row.ship_from or row.home_location)
        dcs = orm.locations
        fallback = self.connection.execute(
            select(dcs.c.code).order_by((dcs.c.region != row.region).asc(), dcs.c.code).limit(1)
        ).scalar_one_or_none()
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
