"""Risk intelligence reads and writes: item x DC facts for the model, stored risk scores,
purchase-order receipt history for supplier delays, and the facts behind customer tasks.

The aggregates run in SQL (one grouped query per source table); the arrays the model
needs are assembled here, and everything that interprets them lives in `risk/` and
`domain/` (pure).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, case, delete, func, insert, or_, select

from backorder.adapters import orm
from backorder.adapters.repositories.supply import value_chunks
from backorder.adapters.repositories.tasks import TaskRecord
from backorder.domain.supplier_delay import DelayObservation
from backorder.risk.database_features import MONTH_WINDOWS, ItemLocationFacts, empty_facts

DAYS_PER_MONTH = 30.44
_CLOSED_LINES = ("cancelled", "shipped")
UNRESOLVED = ("open", "claimed")


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands times back without their zone; they are stored as UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def window_start(today: date, months: int) -> date:
    """First day of the last `months` months up to `today` (months of 30.44 days)."""
    return today - timedelta(days=round(months * DAYS_PER_MONTH))


@dataclass(frozen=True)
class StoredScore:
    """The latest risk score of one item x DC."""

    sku: str
    location: str
    probability: float
    reasons: list[str]
    features: dict[str, float | None]
    model_version: str
    scored_at: datetime


@dataclass(frozen=True)
class TriageRow:
    """A customer-facing task with the facts of the line and customer behind it."""

    task: TaskRecord
    line_id: int | None
    order_id: str | None
    customer: str | None
    tier: str | None
    sku: str | None
    open_quantity: int
    unit_price: float
    requested_date: date | None
    promise_date: date | None
    contract: bool


class RiskRepository:
    """Risk reads and writes on one connection (inside a unit of work's transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- item x DC facts ------------------------------------------------------------------

    def item_location_facts(self, today: date) -> ItemLocationFacts:
        """Aggregated facts of every item x DC with stock, open supply or recent demand."""
        index: dict[tuple[str, str], int] = {}
        columns: dict[str, dict[int, float]] = {}

        def put(name: str, key: tuple[str, str], value: float) -> None:
            position = index.setdefault(key, len(index))
            columns.setdefault(name, {})[position] = float(value)

        for sku, location, on_hand in self.connection.execute(
            select(orm.inventory.c.sku, orm.inventory.c.location, orm.inventory.c.on_hand)
        ):
            put("on_hand", (sku, location), on_hand)
        for row in self._open_supply(today):
            put("on_order", (row.sku, row.location), row.on_order or 0)
            put("past_due", (row.sku, row.location), row.past_due or 0)
        for row in self._demand(today):
            key = (row.sku, row.location)
            for months in MONTH_WINDOWS:
                put(f"ordered_{months}", key, getattr(row, f"ordered_{months}") or 0)
            put("backordered", key, row.backordered or 0)
        for row in self._shipped(today):
            for months in MONTH_WINDOWS:
                put(
                    f"shipped_{months}",
                    (row.sku, row.location),
                    getattr(row, f"shipped_{months}") or 0,
                )
        if not index:
            return empty_facts()
        keys = list(index)
        n = len(keys)

        def column(name: str, fill: float = 0.0) -> np.ndarray[Any, np.dtype[np.float64]]:
            out = np.full(n, fill, dtype=np.float64)
            for position, value in columns.get(name, {}).items():
                out[position] = value
            return out

        skus = [sku for sku, _ in keys]
        item_facts = self._item_facts(sorted(set(skus)))
        on_time = self._supplier_on_time(today)
        lead = np.full(n, np.nan)
        safety = np.zeros(n)
        perf6 = np.full(n, np.nan)
        perf12 = np.full(n, np.nan)
        for position, sku in enumerate(skus):
            facts = item_facts.get(sku)
            if facts is None:
                continue
            supplier, lead_days, safety_stock = facts
            safety[position] = safety_stock
            if lead_days is not None:
                lead[position] = lead_days
            if supplier in on_time:
                perf6[position], perf12[position] = on_time[supplier]
        return ItemLocationFacts(
            sku=np.asarray(skus, dtype=np.str_),
            location=np.asarray([location for _, location in keys], dtype=np.str_),
            on_hand=column("on_hand"),
            lead_time_days=lead,
            on_order=column("on_order"),
            past_due=column("past_due"),
            ordered={m: column(f"ordered_{m}") for m in MONTH_WINDOWS},
            shipped={m: column(f"shipped_{m}") for m in MONTH_WINDOWS},
            safety_stock=safety,
            backordered=column("backordered"),
            on_time_6m=perf6,
            on_time_12m=perf12,
        )

    def _open_supply(self, today: date) -> Iterable[Any]:
        pol = orm.purchase_order_lines
        open_units = pol.c.quantity - pol.c.received_quantity
        due = func.coalesce(pol.c.confirmed_date, pol.c.expected_date)
        return self.connection.execute(
            select(
                pol.c.sku,
                pol.c.location,
                func.sum(open_units).label("on_order"),
                func.sum(case((due < today, open_units), else_=0)).label("past_due"),
            )
            .where(pol.c.received_quantity < pol.c.quantity, pol.c.confirmation != "rejected")
            .group_by(pol.c.sku, pol.c.location)
        ).all()

    def _demand(self, today: date) -> Iterable[Any]:
        lines, customers = orm.order_lines, orm.customers
        location = func.coalesce(lines.c.ship_from, customers.c.home_location).label("location")
        sums = [
            func.sum(
                case(
                    (
                        lines.c.ordered_at >= _start_of(window_start(today, months)),
                        lines.c.quantity,
                    ),
                    else_=0,
                )
            ).label(f"ordered_{months}")
            for months in MONTH_WINDOWS
        ]
        open_line = lines.c.status.not_in(_CLOSED_LINES)
        backordered = func.sum(case((open_line, lines.c.backordered_quantity), else_=0))
        recent = lines.c.ordered_at >= _start_of(window_start(today, max(MONTH_WINDOWS)))
        query = (
            select(lines.c.sku, location, *sums, backordered.label("backordered"))
            .select_from(lines.join(customers, customers.c.code == lines.c.customer))
            .where(
                lines.c.status != "cancelled",
                or_(recent, and_(open_line, lines.c.backordered_quantity > 0)),
            )
            .group_by(lines.c.sku, location)
        )
        return [row for row in self.connection.execute(query).all() if row.location is not None]

    def _shipped(self, today: date) -> Iterable[Any]:
        shipments = orm.shipments
        sums = [
            func.sum(
                case(
                    (shipments.c.shipped_on >= window_start(today, months), shipments.c.quantity),
                    else_=0,
                )
            ).label(f"shipped_{months}")
            for months in MONTH_WINDOWS
        ]
        return self.connection.execute(
            select(shipments.c.sku, shipments.c.location, *sums)
            .where(shipments.c.shipped_on >= window_start(today, max(MONTH_WINDOWS)))
            .group_by(shipments.c.sku, shipments.c.location)
        ).all()

    def _item_facts(self, skus: Sequence[str]) -> dict[str, tuple[str | None, int | None, int]]:
        items, suppliers = orm.items, orm.suppliers
        found: dict[str, tuple[str | None, int | None, int]] = {}
        for chunk in value_chunks(skus):
            assert chunk is not None
            rows = self.connection.execute(
                select(
                    items.c.sku, items.c.supplier, suppliers.c.lead_time_days, items.c.safety_stock
                )
                .select_from(items.outerjoin(suppliers, suppliers.c.code == items.c.supplier))
                .where(items.c.sku.in_(chunk))
            )
            for sku, supplier, lead_days, safety in rows:
                found[sku] = (supplier, lead_days if supplier else None, int(safety or 0))
        return found

    def _supplier_on_time(self, today: date) -> dict[str, tuple[float, float]]:
        """Per supplier: share of PO lines due in the last 6 and 12 months received in full
        on or before their expected date (NaN where none was due)."""
        pol, pos = orm.purchase_order_lines, orm.purchase_orders
        since = window_start(today, 12)
        rows = self.connection.execute(
            select(
                pos.c.supplier,
                pol.c.expected_date,
                pol.c.quantity,
                pol.c.received_quantity,
                pol.c.updated_at,
            )
            .join(pos, pos.c.po_number == pol.c.po_number)
            .where(
                pol.c.expected_date >= since,
                pol.c.expected_date < today,
                pol.c.confirmation != "rejected",
            )
        ).all()
        six = window_start(today, 6)
        counts: dict[str, list[int]] = {}
        for supplier, expected, quantity, received, updated in rows:
            on_time = received >= quantity > 0 and _day(updated) <= _day(expected)
            tally = counts.setdefault(supplier, [0, 0, 0, 0])
            tally[0] += 1
            tally[1] += int(on_time)
            if _day(expected) >= six:
                tally[2] += 1
                tally[3] += int(on_time)
        return {
            supplier: (t[3] / t[2] if t[2] else float("nan"), t[1] / t[0])
            for supplier, t in counts.items()
        }

    # -- stored scores --------------------------------------------------------------------

    def replace_scores(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace every stored score with `rows` (one scoring run of all item x DCs)."""
        self.connection.execute(delete(orm.risk_scores))
        for start in range(0, len(rows), 5000):
            self.connection.execute(insert(orm.risk_scores), list(rows[start : start + 5000]))

    def scores(
        self,
        *,
        min_probability: float = 0.0,
        sku: str | None = None,
        location: str | None = None,
        after: tuple[float, str, str] | None = None,
        limit: int = 100,
    ) -> list[StoredScore]:
        """Stored scores at or above `min_probability`, riskiest first, a page at a time."""
        scores = orm.risk_scores
        query = select(scores).where(scores.c.probability >= min_probability)
        if sku is not None:
            query = query.where(scores.c.sku == sku)
        if location is not None:
            query = query.where(scores.c.location == location)
        if after is not None:
            probability, last_sku, last_location = after
            query = query.where(
                or_(
                    scores.c.probability < probability,
                    and_(
                        scores.c.probability == probability,
                        or_(
                            scores.c.sku > last_sku,
                            and_(scores.c.sku == last_sku, scores.c.location > last_location),
                        ),
                    ),
                )
            )
        query = query.order_by(scores.c.probability.desc(), scores.c.sku, scores.c.location).limit(
            limit
        )
        return [
            StoredScore(
                sku=row.sku,
                location=row.location,
                probability=float(row.probability),
                reasons=list(row.reasons or []),
                features=dict(row.features or {}),
                model_version=row.model_version,
                scored_at=_utc(row.scored_at) or row.scored_at,
            )
            for row in self.connection.execute(query)
        ]

    def score_count(self) -> int:
        """How many item x DCs have a stored score."""
        return int(
            self.connection.execute(select(func.count()).select_from(orm.risk_scores)).scalar_one()
        )

    # -- supplier delays ------------------------------------------------------------------

    def delay_history(self, today: date, history_days: int) -> list[DelayObservation]:
        """Lines received in full within `history_days`: days from the supplier's date
        (confirmed, else expected) to the receipt that completed them (the line's last change,
        as the supplier scorecards count it)."""
        pol, pos, items = orm.purchase_order_lines, orm.purchase_orders, orm.items
        since = _start_of(today - timedelta(days=history_days))
        rows = self.connection.execute(
            select(
                pos.c.supplier,
                items.c.item_group,
                func.coalesce(pol.c.confirmed_date, pol.c.expected_date).label("due"),
                pol.c.updated_at,
            )
            .select_from(
                pol.join(pos, pos.c.po_number == pol.c.po_number).join(
                    items, items.c.sku == pol.c.sku
                )
            )
            .where(
                pol.c.received_quantity >= pol.c.quantity,
                pol.c.quantity > 0,
                pol.c.confirmation != "rejected",
                pol.c.updated_at >= since,
            )
        ).all()
        return [
            DelayObservation(
                supplier=supplier,
                item_group=group or "",
                delay_days=(_day(updated) - _day(due)).days,
            )
            for supplier, group, due, updated in rows
        ]

    def item_groups(self, skus: Sequence[str]) -> dict[str, str]:
        """Item group of each known SKU."""
        found: dict[str, str] = {}
        for chunk in value_chunks(skus):
            assert chunk is not None
            found.update(
                self.connection.execute(
                    select(orm.items.c.sku, orm.items.c.item_group).where(
                        orm.items.c.sku.in_(chunk)
                    )
                ).all()
            )
        return found

    # -- customer-facing tasks ------------------------------------------------------------

    def customer_tasks(self, team: str, statuses: Sequence[str] = UNRESOLVED) -> list[TriageRow]:
        """Unresolved tasks of `team` with the line, customer and contract behind each."""
        tasks, cases, lines = orm.tasks, orm.backorder_cases, orm.order_lines
        customers, contracts = orm.customers, orm.contract_commitments
        contract = (
            select(func.count())
            .where(contracts.c.customer == lines.c.customer, contracts.c.sku == lines.c.sku)
            .scalar_subquery()
        )
        rows = self.connection.execute(
            select(
                tasks,
                lines.c.line_id.label("line_line_id"),
                lines.c.order_id,
                lines.c.customer,
                customers.c.tier,
                lines.c.sku,
                (lines.c.quantity - lines.c.shipped_quantity).label("open_quantity"),
                lines.c.unit_price,
                lines.c.requested_date,
                lines.c.promise_date,
                contract.label("contracts"),
            )
            .select_from(
                tasks.outerjoin(cases, cases.c.case_id == tasks.c.case_id)
                .outerjoin(lines, lines.c.line_id == cases.c.line_id)
                .outerjoin(customers, customers.c.code == lines.c.customer)
            )
            .where(tasks.c.team == team, tasks.c.status.in_(list(statuses)))
            .order_by(tasks.c.task_id)
        ).all()
        found = []
        for row in rows:
            values = {c.name: getattr(row, c.name) for c in orm.tasks.columns}
            for name in ("opened_at", "due_at", "claimed_at", "resolved_at"):
                values[name] = _utc(values[name])
            values["breached"] = bool(values["breached"])
            found.append(
                TriageRow(
                    task=TaskRecord(**values),
                    line_id=row.line_line_id,
                    order_id=row.order_id,
                    customer=row.customer,
                    tier=row.tier,
                    sku=row.sku,
                    open_quantity=max(int(row.open_quantity or 0), 0),
                    unit_price=float(row.unit_price or 0.0),
                    requested_date=row.requested_date,
                    promise_date=row.promise_date,
                    contract=bool(row.contracts),
                )
            )
        return found

    def task_by_cause(self, cause: str) -> int | None:
        """The id of the task opened for `cause` (any type), or None."""
        found = self.connection.execute(
            select(orm.tasks.c.task_id)
            .where(orm.tasks.c.cause == cause)
            .order_by(orm.tasks.c.task_id)
        ).first()
        return int(found[0]) if found is not None else None

    def recent_slips(self, customers: Sequence[str], since: datetime) -> dict[str, int]:
        """Per customer: promise changes to a later date since `since`."""
        history, lines = orm.promise_history, orm.order_lines
        found: dict[str, int] = {}
        for chunk in value_chunks(customers):
            assert chunk is not None
            rows = self.connection.execute(
                select(lines.c.customer, func.count())
                .select_from(history.join(lines, lines.c.line_id == history.c.line_id))
                .where(
                    lines.c.customer.in_(chunk),
                    history.c.at >= since,
                    history.c.old_promise_date.is_not(None),
                    history.c.promise_date > history.c.old_promise_date,
                )
                .group_by(lines.c.customer)
            ).all()
            found.update({customer: int(count) for customer, count in rows})
        return found


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
