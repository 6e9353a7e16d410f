"""Backorder cases, their history, the actions already carried out, substitution answers.

Exception tasks live in `tasks.py`; `TaskRepository` is re-exported here for the unit of
work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from backorder.adapters import orm
from backorder.adapters.repositories.replenishment import ReplenishmentRepository
from backorder.adapters.repositories.supply import value_chunks
from backorder.adapters.repositories.tasks import TaskRepository as TaskRepository
from backorder.domain.cases import CaseState, HeldSupply, LineFacts, SupplyStage


@dataclass(frozen=True)
class CaseRecord:
    """A stored case."""

    case_id: str
    line_id: int
    sku: str
    customer: str
    state: CaseState
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    next_check_at: datetime | None
    notified_promise: date | None
    on_hold: bool
    hold_reason: str | None
    released_to_warehouse: bool


def case_id_of(line_id: int) -> str:
    """The case id of a line (one case per line)."""
    return f"case-{line_id}"


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as UTC-aware (SQLite hands times back without their zone)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _record(row: Any) -> CaseRecord:
    opened, updated = aware(row.opened_at), aware(row.updated_at)
    assert opened is not None
    assert updated is not None
    return CaseRecord(
        case_id=row.case_id,
        line_id=row.line_id,
        sku=row.sku,
        customer=row.customer,
        state=CaseState(row.state),
        opened_at=opened,
        updated_at=updated,
        closed_at=aware(row.closed_at),
        next_check_at=aware(row.next_check_at),
        notified_promise=row.notified_promise,
        on_hold=row.on_hold,
        hold_reason=row.hold_reason,
        released_to_warehouse=row.released_to_warehouse,
    )


_CASE = select(orm.backorder_cases).where(orm.backorder_cases.c.case_id == bindparam("case_id"))
_CONFIRMATION_STAGE = {
    "unconfirmed": SupplyStage.ORDERED,
    "confirmed": SupplyStage.CONFIRMED,
    "shipped": SupplyStage.SHIPPED,
    "received": SupplyStage.ON_HAND,
}


class CaseRepository:
    """Cases on one connection (inside the unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def open(self, lines: Sequence[tuple[int, str, str]], now: datetime) -> list[str]:
        """Open a case for each (line id, sku, customer) that has none; returns new ids."""
        cases = orm.backorder_cases
        existing: set[int] = set()
        for chunk in value_chunks([str(line_id) for line_id, _, _ in lines]):
            assert chunk is not None
            ids = [int(i) for i in chunk]
            existing.update(
                r[0]
                for r in self.connection.execute(
                    select(cases.c.line_id).where(cases.c.line_id.in_(ids))
                )
            )
        rows = [
            {
                "case_id": case_id_of(line_id),
                "line_id": line_id,
                "sku": sku,
                "customer": customer,
                "state": CaseState.DETECTED.value,
                "opened_at": now,
                "updated_at": now,
                "on_hold": False,
                "released_to_warehouse": False,
            }
            for line_id, sku, customer in dict.fromkeys(lines)
            if line_id not in existing
        ]
        if rows:
            self.connection.execute(insert(cases), rows)
            self.connection.execute(
                insert(orm.case_history),
                [
                    {
                        "case_id": r["case_id"],
                        "at": now,
                        "from_state": None,
                        "to_state": CaseState.DETECTED.value,
                        "reason": "line backordered",
                    }
                    for r in rows
                ],
            )
        return [str(r["case_id"]) for r in rows]

    def get(self, case_id: str) -> CaseRecord | None:
        """One case, or None."""
        row = self.connection.execute(_CASE, {"case_id": case_id}).first()
        return _record(row) if row is not None else None

    def skus_of(self, case_ids: Sequence[str]) -> dict[str, str]:
        """The item of each case that exists, by case id."""
        cases = orm.backorder_cases
        found: dict[str, str] = {}
        unique = sorted(set(case_ids))
        for start in range(0, len(unique), 900):
            chunk = unique[start : start + 900]
            rows = self.connection.execute(
                select(cases.c.case_id, cases.c.sku).where(cases.c.case_id.in_(chunk))
            )
            found.update({str(case_id): str(sku) for case_id, sku in rows})
        return found

    def page(
        self,
        *,
        state: str | None = None,
        sku: str | None = None,
        customer: str | None = None,
        opened_after: datetime | None = None,
        opened_before: datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[CaseRecord]:
        """Cases by id, filtered, a page at a time."""
        cases = orm.backorder_cases
        clauses = []
        if state:
            clauses.append(cases.c.state == state)
        if sku:
            clauses.append(cases.c.sku == sku)
        if customer:
            clauses.append(cases.c.customer == customer)
        if opened_after is not None:
            clauses.append(cases.c.opened_at >= opened_after)
        if opened_before is not None:
            clauses.append(cases.c.opened_at < opened_before)
        if after:
            clauses.append(cases.c.case_id > after)
        rows = self.connection.execute(
            select(cases).where(*clauses).order_by(cases.c.case_id).limit(limit)
        )
        return [_record(r) for r in rows]

    def open_case_ids_for_lines(self, line_ids: Sequence[int]) -> list[str]:
        """Ids of the cases of these lines that are still open."""
        cases = orm.backorder_cases
        found: list[str] = []
        for chunk in value_chunks([str(i) for i in line_ids]):
            assert chunk is not None
            found.extend(
                r[0]
                for r in self.connection.execute(
                    select(cases.c.case_id).where(
                        cases.c.line_id.in_([int(i) for i in chunk]),
                        cases.c.state.not_in(("closed", "cancelled")),
                    )
                )
            )
        return found

    def open_case_ids_for_sources(self, source_ids: Sequence[str]) -> list[str]:
        """Open cases whose line holds supply on any of these sources."""
        cases, allocations = orm.backorder_cases, orm.allocations
        found: set[str] = set()
        for chunk in value_chunks(source_ids):
            assert chunk is not None
            found.update(
                r[0]
                for r in self.connection.execute(
                    select(cases.c.case_id)
                    .join(allocations, allocations.c.line_id == cases.c.line_id)
                    .where(
                        allocations.c.source_id.in_(chunk),
                        cases.c.state.not_in(("closed", "cancelled")),
                    )
                )
            )
        return sorted(found)

    def due_for_check(self, now: datetime, limit: int = 10_000) -> list[str]:
        """Open cases whose next check time has come."""
        cases = orm.backorder_cases
        rows = self.connection.execute(
            select(cases.c.case_id)
            .where(cases.c.next_check_at <= now, cases.c.state.not_in(("closed", "cancelled")))
            .order_by(cases.c.next_check_at)
            .limit(limit)
        )
        return [r[0] for r in rows]

    def facts(self, case: CaseRecord, today: date) -> LineFacts:
        """What the case's line holds and was promised, read in one go."""
        lines = orm.order_lines
        line = self.connection.execute(select(lines).where(lines.c.line_id == case.line_id)).one()
        a, pol, po = orm.allocations, orm.purchase_order_lines, orm.purchase_orders
        held_rows = self.connection.execute(
            select(
                a.c.source_id,
                a.c.quantity,
                a.c.available_date,
                pol.c.confirmation,
                pol.c.expected_date,
                pol.c.confirmed_date,
                po.c.supplier,
                po.c.created_at,
            )
            .select_from(a)
            .outerjoin(pol, pol.c.source_id == a.c.source_id)
            .outerjoin(po, po.c.po_number == pol.c.po_number)
            .where(a.c.line_id == case.line_id)
        ).all()
        held = tuple(
            HeldSupply(
                quantity=r.quantity,
                stage=(
                    SupplyStage.ON_HAND
                    if r.source_id.startswith("OH/")
                    else _CONFIRMATION_STAGE.get(
                        r.confirmation or "unconfirmed", SupplyStage.ORDERED
                    )
                ),
                due=(r.confirmed_date or r.expected_date or r.available_date or today),
                source_id=r.source_id,
                supplier=r.supplier,
                ordered_on=r.created_at.date() if r.created_at else None,
            )
            for r in held_rows
        )
        decision = self.connection.execute(
            select(orm.decision_records.c.offered_sku).where(
                orm.decision_records.c.line_id == case.line_id
            )
        ).first()
        open_quantity = 0 if line.status == "cancelled" else line.quantity - line.shipped_quantity
        stock = ReplenishmentRepository(self.connection)
        home = stock.home_location(case.line_id)
        slipped = line.promise_date is not None and line.promise_date > line.requested_date
        return LineFacts(
            line_id=case.line_id,
            sku=line.sku,
            open_quantity=open_quantity,
            requested=line.requested_date,
            promise=line.promise_date,
            held=held,
            cancelled=line.status == "cancelled",
            shipped_quantity=line.shipped_quantity,
            ordered_quantity=line.quantity,
            on_hold=case.on_hold,
            substitute_offered=decision.offered_sku if decision is not None else None,
            released_to_warehouse=case.released_to_warehouse,
            notified_promise=case.notified_promise,
            replenishment_pending=stock.case_waits_for_suggestion(case.case_id),
            home_location=home,
            # Only a late line can use it (an expedite): spare the queries otherwise.
            free_elsewhere=stock.free_elsewhere(line.sku, home) if home and slipped else 0,
        )

    def record_state(
        self,
        case: CaseRecord,
        state: CaseState,
        *,
        reason: str,
        now: datetime,
        next_check: datetime | None,
    ) -> bool:
        """Store the case's state and next check time; True when the state changed."""
        changed = state is not case.state
        values: dict[str, Any] = {"state": state.value, "next_check_at": next_check}
        if changed:
            values["updated_at"] = now
            if state.terminal:
                values["closed_at"] = now
            self.connection.execute(
                insert(orm.case_history).values(
                    case_id=case.case_id,
                    at=now,
                    from_state=case.state.value,
                    to_state=state.value,
                    reason=reason,
                )
            )
        self.connection.execute(
            update(orm.backorder_cases)
            .where(orm.backorder_cases.c.case_id == case.case_id)
            .values(**values)
        )
        return changed

    def mark_action(self, case_id: str, key: str, kind: str, now: datetime) -> bool:
        """Remember that an action was carried out; False when it already was."""
        done = self.connection.execute(
            select(orm.case_actions.c.key).where(
                orm.case_actions.c.case_id == case_id, orm.case_actions.c.key == key
            )
        ).first()
        if done is not None:
            return False
        self.connection.execute(
            insert(orm.case_actions).values(case_id=case_id, key=key, kind=kind, done_at=now)
        )
        return True

    def set_fields(self, case_id: str, **values: Any) -> None:
        """Update stored fields of a case (hold, notified promise, warehouse release)."""
        self.connection.execute(
            update(orm.backorder_cases)
            .where(orm.backorder_cases.c.case_id == case_id)
            .values(**values)
        )

    def history(self, case_id: str) -> list[dict[str, Any]]:
        """The case's state changes, oldest first."""
        rows = self.connection.execute(
            select(orm.case_history)
            .where(orm.case_history.c.case_id == case_id)
            .order_by(orm.case_history.c.id)
        )
        return [{**r._mapping, "at": aware(r.at)} for r in rows]

    def count_by_state(self) -> dict[str, int]:
        """Number of cases in each state."""
        cases = orm.backorder_cases
        rows = self.connection.execute(select(cases.c.state, func.count()).group_by(cases.c.state))
        return {r[0]: int(r[1]) for r in rows}

    def actions(self, case_id: str) -> list[dict[str, Any]]:
        """The actions carried out for a case, in the order they were done."""
        actions = orm.case_actions
        rows = self.connection.execute(
            select(actions.c.key, actions.c.kind, actions.c.done_at)
            .where(actions.c.case_id == case_id)
            .order_by(actions.c.done_at, actions.c.key)
        )
        return [{**r._mapping, "done_at": aware(r.done_at)} for r in rows]

    def hold(self, case_id: str, on_hold: bool, reason: str | None, now: datetime) -> bool:
        """Put a case on hold or release it; False when it already was in that condition."""
        cases = orm.backorder_cases
        result = self.connection.execute(
            update(cases)
            .where(cases.c.case_id == case_id, cases.c.on_hold == (not on_hold))
            .values(on_hold=on_hold, hold_reason=reason, updated_at=now)
        )
        return bool(result.rowcount)

    def offered_substitute(self, line_id: int) -> str | None:
        """The substitute the latest allocation offered the line, if any."""
        row = self.connection.execute(
            select(orm.decision_records.c.offered_sku).where(
                orm.decision_records.c.line_id == line_id
            )
        ).first()
        return row.offered_sku if row is not None else None

    def substitution_answer(self, line_id: int) -> dict[str, Any] | None:
        """The customer's recorded answer to a substitute offer for the line, or None."""
        answers = orm.substitution_acceptances
        row = self.connection.execute(select(answers).where(answers.c.line_id == line_id)).first()
        return {**row._mapping, "decided_at": aware(row.decided_at)} if row is not None else None

    def record_substitution_answer(self, row: dict[str, Any]) -> None:
        """Store the customer's answer (accepted or declined) for a line."""
        self.connection.execute(insert(orm.substitution_acceptances).values(**row))
