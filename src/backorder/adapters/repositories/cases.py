"""Backorder cases, their history, the actions already carried out, substitution answers.

Exception tasks live in `tasks.py`; `TaskRepository` is re-exported here for the unit of
work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.exc import NoResultFound

from backorder.adapters import orm
from backorder.adapters.repositories.master import MasterDataRepository
from backorder.adapters.repositories.replenishment import OPEN_STATUSES, ReplenishmentRepository
from backorder.adapters.repositories.supply import on_hand_source_id, value_chunks
from backorder.adapters.repositories.tasks import TaskRepository as TaskRepository
from backorder.adapters.repositories.tasks import dialect_insert, ignoring_duplicates
from backorder.domain.cases import CaseState, HeldSupply, LineFacts, SupplyStage
from backorder.domain.model import Item, Supplier, TransferLane


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


def _in(column: Any, name: str = "values") -> Any:
    return column.in_(bindparam(name, expanding=True))


def _chunks(values: Sequence[Any], size: int = 900) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


# Prepared once and reused with new values: building a statement and its cache key costs
# more CPU than running it, and a case evaluation runs these for every case.
_cases, _actions, _history = orm.backorder_cases, orm.case_actions, orm.case_history
_CASE = select(_cases).where(_cases.c.case_id == bindparam("case_id"))
_CASES_BY_ID = select(_cases).where(_in(_cases.c.case_id))
_DONE_KEYS = select(_actions.c.case_id, _actions.c.key).where(_in(_actions.c.case_id))
# One statement that tells whether an action is new: a key already stored (by an earlier
# look, or a concurrent one) inserts nothing.
_MARK = ignoring_duplicates(_actions)
_MARK_MANY = {
    name: statement.returning(_actions.c.key)
    for name, statement in ignoring_duplicates(_actions).items()
}
_ADD_HISTORY = insert(_history)
_SET_STATE = update(_cases).where(_cases.c.case_id == bindparam("k_case_id"))
_STATE_VALUES = {
    # Which columns an evaluation writes: (state changed, case over) -> prepared update.
    (changed, terminal): _SET_STATE.values(
        {
            name: bindparam(f"v_{name}")
            for name in ("state", "next_check_at", "evaluated_at")
            + (("updated_at",) if changed else ())
            + (("closed_at",) if terminal else ())
        }
    )
    for changed in (False, True)
    for terminal in (False, True)
}
_SUBSTITUTION_LINKS = select(
    orm.item_substitutes.c.sku, orm.item_substitutes.c.substitute_sku
).where(_in(orm.item_substitutes.c.sku))
_lines, _alloc = orm.order_lines, orm.allocations
_pol, _po = orm.purchase_order_lines, orm.purchase_orders
_FACT_LINES = select(
    _lines.c.line_id,
    _lines.c.sku,
    _lines.c.quantity,
    _lines.c.shipped_quantity,
    _lines.c.status,
    _lines.c.requested_date,
    _lines.c.promise_date,
).where(_in(_lines.c.line_id))
_FACT_HELD = (
    select(
        _alloc.c.line_id,
        _alloc.c.source_id,
        _alloc.c.quantity,
        _alloc.c.available_date,
        _pol.c.confirmation,
        _pol.c.expected_date,
        _pol.c.confirmed_date,
        _po.c.supplier,
        _po.c.created_at,
    )
    .select_from(_alloc)
    .outerjoin(_pol, _pol.c.source_id == _alloc.c.source_id)
    .outerjoin(_po, _po.c.po_number == _pol.c.po_number)
    .where(_in(_alloc.c.line_id))
    .order_by(_alloc.c.line_id, _alloc.c.id)
)
_decisions = orm.decision_records
_FACT_DECISIONS = select(
    _decisions.c.line_id, _decisions.c.offered_sku, _decisions.c.home_location
).where(_in(_decisions.c.line_id))
_FACT_LINE_HOMES = (
    select(
        _lines.c.line_id,
        _lines.c.ship_from,
        orm.customers.c.home_location,
        orm.customers.c.region,
    )
    .join(orm.customers, orm.customers.c.code == _lines.c.customer)
    .where(_in(_lines.c.line_id))
)
_links, _suggestions = orm.purchase_suggestion_cases, orm.purchase_suggestions
_picks = orm.pick_requests
# The newest unconfirmed pick request of each released case.
_FACT_OPEN_PICKS = (
    select(_picks.c.case_id, _picks.c.pick_id, _picks.c.created_at)
    .where(_in(_picks.c.case_id), _picks.c.status == "open")
    .order_by(_picks.c.case_id, _picks.c.pick_id)
)
_FACT_PENDING = (
    select(_links.c.case_id)
    .join(_suggestions, _suggestions.c.suggestion_id == _links.c.suggestion_id)
    .where(
        _in(_links.c.case_id),
        _suggestions.c.status.in_(OPEN_STATUSES),
    )
    .distinct()
)
_FACT_ON_HAND = select(
    orm.inventory.c.sku, orm.inventory.c.location, orm.inventory.c.on_hand
).where(_in(orm.inventory.c.sku))
_FACT_TAKEN = (
    select(_alloc.c.source_id, func.sum(_alloc.c.quantity))
    .where(_in(_alloc.c.source_id))
    .group_by(_alloc.c.source_id)
)


class ReferenceData:
    """Master data (items, suppliers, lanes) read at most once per batch of evaluations.

    No case action writes master data, so while a batch of cases is evaluated in one
    transaction each of these is read once, however many cases and actions use it. Items
    are read together: the first one asked for brings every item the batch named.
    """

    def __init__(self, master: MasterDataRepository, skus: Iterable[str] = ()) -> None:
        self._master = master
        self._wanted = set(skus)
        self._items: dict[str, Item | None] = {}
        self._suppliers: list[Supplier] | None = None
        self._lanes: list[TransferLane] | None = None

    def item(self, sku: str) -> Item | None:
        """One item (with its substitutes), or None when it is unknown."""
        if sku not in self._items:
            wanted = sorted((self._wanted | {sku}) - self._items.keys())
            found = {item.sku: item for item in self._master.items(wanted)}
            self._items.update({w: found.get(w) for w in wanted})
        return self._items[sku]

    def suppliers(self) -> list[Supplier]:
        """All suppliers, by code."""
        if self._suppliers is None:
            self._suppliers = self._master.suppliers()
        return self._suppliers

    def supplier(self, code: str | None) -> Supplier | None:
        """One supplier by code, or None."""
        return next((s for s in self.suppliers() if s.code == code), None)

    def lanes(self) -> list[TransferLane]:
        """All lanes."""
        if self._lanes is None:
            self._lanes = self._master.lanes()
        return self._lanes


_CONFIRMATION_STAGE = {
    "unconfirmed": SupplyStage.ORDERED,
    "confirmed": SupplyStage.CONFIRMED,
    "shipped": SupplyStage.SHIPPED,
    "received": SupplyStage.ON_HAND,
}


@dataclass(frozen=True)
class StateChange:
    """A state an evaluation landed on, to be stored (`CaseRepository.record_states`)."""

    case: CaseRecord
    state: CaseState
    reason: str
    now: datetime
    next_check: datetime | None

    @property
    def changed(self) -> bool:
        """True when the state differs from the stored one."""
        return self.state is not self.case.state


_SET_FIELDS: dict[tuple[str, ...], Any] = {}  # prepared updates, by the columns they set


def _held(row: Any, today: date) -> HeldSupply:
    return HeldSupply(
        quantity=row.quantity,
        stage=(
            SupplyStage.ON_HAND
            if row.source_id.startswith("OH/")
            else _CONFIRMATION_STAGE.get(row.confirmation or "unconfirmed", SupplyStage.ORDERED)
        ),
        due=(row.confirmed_date or row.expected_date or row.available_date or today),
        source_id=row.source_id,
        supplier=row.supplier,
        ordered_on=row.created_at.date() if row.created_at else None,
    )


class CaseRepository:
    """Cases on one connection (inside the unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # Master data shared by the actions of a batch of evaluations while it runs.
        self.reference: ReferenceData | None = None

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

    def open_case_ids(self) -> list[str]:
        """Ids of every case not closed or cancelled, in id order."""
        cases = orm.backorder_cases
        rows = self.connection.execute(
            select(cases.c.case_id)
            .where(cases.c.state.not_in(("closed", "cancelled")))
            .order_by(cases.c.case_id)
        )
        return [r[0] for r in rows]

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

    def get_many(self, case_ids: Sequence[str]) -> dict[str, CaseRecord]:
        """The cases that exist among these, by id."""
        found: dict[str, CaseRecord] = {}
        for chunk in _chunks(sorted(set(case_ids))):
            for row in self.connection.execute(_CASES_BY_ID, {"values": chunk}):
                found[row.case_id] = _record(row)
        return found

    def substitution_links(self, skus: Sequence[str]) -> list[tuple[str, str]]:
        """(item, substitute) links from these items."""
        links: list[tuple[str, str]] = []
        for chunk in _chunks(sorted(set(skus))):
            rows = self.connection.execute(_SUBSTITUTION_LINKS, {"values": chunk})
            links.extend((str(sku), str(substitute)) for sku, substitute in rows)
        return links

    def done_actions(self, case_ids: Sequence[str]) -> dict[str, set[str]]:
        """The keys of the actions carried out for each of these cases."""
        done: dict[str, set[str]] = {case_id: set() for case_id in case_ids}
        for chunk in _chunks(sorted(done)):
            for case_id, key in self.connection.execute(_DONE_KEYS, {"values": chunk}):
                done[case_id].add(key)
        return done

    def facts(self, case: CaseRecord, today: date) -> LineFacts:
        """What the case's line holds and was promised, read in one go."""
        return self.facts_many([case], today)[case.case_id]

    def facts_many(
        self,
        cases: Sequence[CaseRecord],
        today: date,
        reference: ReferenceData | None = None,
    ) -> dict[str, LineFacts]:
        """The facts of many cases at once (a query per kind of fact, not per case)."""
        if not cases:
            return {}
        reference = reference or ReferenceData(MasterDataRepository(self.connection))
        line_ids = sorted({case.line_id for case in cases})
        lines: dict[int, Any] = {}
        held: dict[int, list[HeldSupply]] = defaultdict(list)
        decided: dict[int, Any] = {}
        for chunk in _chunks(line_ids):
            values = {"values": chunk}
            lines.update((r.line_id, r) for r in self.connection.execute(_FACT_LINES, values))
            for r in self.connection.execute(_FACT_HELD, values):
                held[r.line_id].append(_held(r, today))
            decided.update((r.line_id, r) for r in self.connection.execute(_FACT_DECISIONS, values))
        pending: set[str] = set()
        for chunk in _chunks(sorted({case.case_id for case in cases})):
            pending.update(r[0] for r in self.connection.execute(_FACT_PENDING, {"values": chunk}))
        picks: dict[str, tuple[int | None, datetime | None]] = {}
        released = sorted(case.case_id for case in cases if case.released_to_warehouse)
        for chunk in _chunks(released):
            for pick in self.connection.execute(_FACT_OPEN_PICKS, {"values": chunk}):
                # In pick id order: the newest open pick of a case is the one kept.
                picks[pick.case_id] = (int(pick.pick_id), aware(pick.created_at))
        homes: dict[int, str | None] = {
            line_id: str(row.home_location) for line_id, row in decided.items()
        }
        homes.update(self._homes_without_decision([i for i in line_ids if i not in decided]))
        # Only a late line can use free stock elsewhere (an expedite): spare the reads
        # otherwise, and for DCs no lane leads to.
        origins: dict[int, list[str]] = {}
        for line_id, line in lines.items():
            home = homes.get(line_id)
            if home and line.promise_date is not None and line.promise_date > line.requested_date:
                origins[line_id] = [
                    lane.origin
                    for lane in reference.lanes()
                    if lane.destination == home and lane.origin != home
                ]
        free = self._free_stock(sorted({lines[i].sku for i, o in origins.items() if o}))
        found: dict[str, LineFacts] = {}
        for case in cases:
            line = lines.get(case.line_id)
            if line is None:
                raise NoResultFound(f"order line {case.line_id} of {case.case_id} is gone")
            decision = decided.get(case.line_id)
            free_elsewhere = 0
            if origins.get(case.line_id):
                item = reference.item(line.sku)
                safety = int(item.safety_stock or 0) if item is not None else 0
                stock = free.get(line.sku, {})
                free_elsewhere = max(
                    (max(stock.get(o, 0) - safety, 0) for o in origins[case.line_id]), default=0
                )
            cancelled = line.status == "cancelled"
            open_pick, pick_released_at = picks.get(case.case_id, (None, None))
            found[case.case_id] = LineFacts(
                line_id=case.line_id,
                sku=line.sku,
                open_quantity=0 if cancelled else line.quantity - line.shipped_quantity,
                requested=line.requested_date,
                promise=line.promise_date,
                held=tuple(held.get(case.line_id, ())),
                cancelled=cancelled,
                shipped_quantity=line.shipped_quantity,
                ordered_quantity=line.quantity,
                on_hold=case.on_hold,
                substitute_offered=decision.offered_sku if decision is not None else None,
                released_to_warehouse=case.released_to_warehouse,
                open_pick=open_pick,
                pick_released_at=pick_released_at,
                notified_promise=case.notified_promise,
                replenishment_pending=case.case_id in pending,
                home_location=homes.get(case.line_id),
                free_elsewhere=free_elsewhere,
            )
        return found

    def _homes_without_decision(self, line_ids: Sequence[int]) -> dict[int, str | None]:
        """Home DCs of lines no allocation decided on (see `ReplenishmentRepository`)."""
        homes: dict[int, str | None] = dict.fromkeys(line_ids)
        stock = ReplenishmentRepository(self.connection)
        for chunk in _chunks(line_ids):
            for row in self.connection.execute(_FACT_LINE_HOMES, {"values": chunk}):
                if row.ship_from or row.home_location:
                    homes[row.line_id] = str(row.ship_from or row.home_location)
                else:
                    homes[row.line_id] = stock.first_location(row.region)
        return homes

    def _free_stock(self, skus: Sequence[str]) -> dict[str, dict[str, int]]:
        """Units on hand per item and DC not allocated to any line (never negative)."""
        levels: dict[str, dict[str, int]] = defaultdict(dict)
        for chunk in _chunks(skus):
            for sku, location, on_hand in self.connection.execute(_FACT_ON_HAND, {"values": chunk}):
                levels[sku][location] = int(on_hand)
        sources = {
            on_hand_source_id(sku, location): (sku, location)
            for sku, at in levels.items()
            for location in at
        }
        taken: dict[tuple[str, str], int] = {}
        for chunk in _chunks(list(sources)):
            for source_id, quantity in self.connection.execute(_FACT_TAKEN, {"values": chunk}):
                taken[sources[source_id]] = int(quantity)
        return {
            sku: {loc: max(level - taken.get((sku, loc), 0), 0) for loc, level in at.items()}
            for sku, at in levels.items()
        }

    def record_states(self, changes: Sequence[StateChange]) -> None:
        """`record_state` for many cases (each at most once), in a statement or three."""
        history = [
            {
                "case_id": c.case.case_id,
                "at": c.now,
                "from_state": c.case.state.value,
                "to_state": c.state.value,
                "reason": c.reason,
            }
            for c in changes
            if c.changed
        ]
        if history:
            self.connection.execute(_ADD_HISTORY, history)
        updates: dict[tuple[bool, bool], list[dict[str, Any]]] = defaultdict(list)
        for c in changes:
            terminal = c.changed and c.state.terminal
            values = {
                "k_case_id": c.case.case_id,
                "v_state": c.state.value,
                "v_next_check_at": c.next_check,
                "v_evaluated_at": c.now,
            }
            if c.changed:
                values["v_updated_at"] = c.now
                if terminal:
                    values["v_closed_at"] = c.now
            updates[(c.changed, terminal)].append(values)
        for variant, rows in updates.items():
            self.connection.execute(_STATE_VALUES[variant], rows)

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
        change = StateChange(case, state, reason, now, next_check)
        self.record_states([change])
        return change.changed

    def mark_action(self, case_id: str, key: str, kind: str, now: datetime) -> bool:
        """Remember that an action was carried out; False when it already was."""
        result = self.connection.execute(
            dialect_insert(_MARK, self.connection),
            {"case_id": case_id, "key": key, "kind": kind, "done_at": now},
        )
        return bool(result.rowcount)

    def mark_actions(
        self, case_id: str, actions: Sequence[tuple[str, str]], now: datetime
    ) -> set[str]:
        """`mark_action` for (key, kind) of several actions; returns the keys that were new."""
        if not actions:
            return set()
        rows = [
            {"case_id": case_id, "key": key, "kind": kind, "done_at": now} for key, kind in actions
        ]
        return {
            r[0] for r in self.connection.execute(dialect_insert(_MARK_MANY, self.connection), rows)
        }

    def set_fields(self, case_id: str, **values: Any) -> None:
        """Update stored fields of a case (hold, notified promise, warehouse release)."""
        names = tuple(sorted(values))
        statement = _SET_FIELDS.get(names)
        if statement is None:
            statement = _SET_STATE.values({name: bindparam(f"v_{name}") for name in names})
            _SET_FIELDS[names] = statement
        self.connection.execute(
            statement, {"k_case_id": case_id, **{f"v_{n}": v for n, v in values.items()}}
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
