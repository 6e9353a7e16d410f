"""Backorder cases: the lifecycle of a line that cannot ship by its requested date.

A case's state is *derived* from the facts of its line (what it holds, from which supply,
in which confirmation state, what was promised, whether a person put it on hold), not
accumulated from events: every wake-up of the case workflow re-reads the facts and lands
on the same state, which makes re-running a step after a crash harmless. What the case
must *do* on entering a state, or when a wait times out, is a list of actions the service
layer carries out idempotently (a task is opened once per case and kind, a notice once
per case, kind and day).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


class CaseState(enum.StrEnum):
    """Where a backorder case stands."""

    DETECTED = "detected"
    PARTIALLY_ALLOCATED = "partially_allocated"
    AWAITING_SUPPLY = "awaiting_supply"
    SUBSTITUTION_OFFERED = "substitution_offered"
    REPLENISHMENT_REQUESTED = "replenishment_requested"
    SUPPLIER_CONFIRMED = "supplier_confirmed"
    SUPPLIER_LATE = "supplier_late"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    ALLOCATED = "allocated"
    RELEASED_TO_WAREHOUSE = "released_to_warehouse"
    SHIPPED = "shipped"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """True when nothing more will happen to the case."""
        return self in (CaseState.CLOSED, CaseState.CANCELLED)


class SupplyStage(enum.StrEnum):
    """How far a future receipt has come."""

    SUGGESTED = "suggested"  # a purchase suggestion waits for approval
    ORDERED = "ordered"  # purchase order sent, not acknowledged
    CONFIRMED = "confirmed"  # supplier acknowledged (855)
    SHIPPED = "shipped"  # supplier shipped (856)
    ON_HAND = "on_hand"  # in the DC


@dataclass(frozen=True)
class HeldSupply:
    """Units of the line held on one supply source."""

    quantity: int
    stage: SupplyStage
    due: date  # when the units are expected at the DC (today for stock on hand)
    source_id: str
    supplier: str | None = None
    ordered_on: date | None = None  # when the purchase order was placed


@dataclass(frozen=True)
class LineFacts:
    """What the case knows about its line at one moment."""

    line_id: int
    sku: str
    open_quantity: int
    requested: date
    promise: date | None
    held: tuple[HeldSupply, ...]
    cancelled: bool = False
    shipped_quantity: int = 0
    ordered_quantity: int = 0
    on_hold: bool = False
    substitute_offered: str | None = None
    replenishment_pending: bool = False  # a purchase suggestion awaits approval
    released_to_warehouse: bool = False
    # The pick request the warehouse has not confirmed yet, and when it was released.
    open_pick: int | None = None
    pick_released_at: datetime | None = None
    notified_promise: date | None = None  # the promise the customer was last told
    home_location: str | None = None  # the DC the line ships from by preference
    free_elsewhere: int = 0  # most units free on hand at one other DC with a lane home

    @property
    def held_quantity(self) -> int:
        """Units held on any source."""
        return sum(h.quantity for h in self.held)

    @property
    def on_hand_quantity(self) -> int:
        """Units held on stock in the DC."""
        return sum(h.quantity for h in self.held if h.stage is SupplyStage.ON_HAND)

    @property
    def short_quantity(self) -> int:
        """Units no supply covers."""
        return max(self.open_quantity - self.held_quantity, 0)


@dataclass(frozen=True)
class CaseTimeouts:
    """How long the case waits in each situation before it escalates (from policy)."""

    supplier_acknowledgement: timedelta = timedelta(hours=24)
    supplier_grace: timedelta = timedelta(days=1)  # late beyond the due date
    unsourced: timedelta = timedelta(hours=8)  # no supply and no request for it
    substitution_answer: timedelta = timedelta(days=2)
    pick_confirmation: timedelta = timedelta(hours=8)
    close_after_shipment: timedelta = timedelta(days=0)
    promise_at_risk: timedelta = timedelta(days=3)  # later than requested by more: a call
    # A promise later than requested by more than this proposes an expedite (None: never).
    expedite_promise_slip: timedelta | None = None


class ActionKind(enum.StrEnum):
    """What a case asks the service to do."""

    OPEN_TASK = "open_task"
    NOTIFY_CUSTOMER = "notify_customer"
    REQUEST_REPLENISHMENT = "request_replenishment"
    RELEASE_TO_WAREHOUSE = "release_to_warehouse"
    REMIND_SUPPLIER = "remind_supplier"
    PROPOSE_EXPEDITE = "propose_expedite"


@dataclass(frozen=True)
class CaseAction:
    """One action, with the key that makes carrying it out idempotent."""

    kind: ActionKind
    key: str  # unique per case: the same key is never carried out twice
    team: str | None = None
    task_type: str | None = None
    severity: str = "normal"
    detail: str = ""
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    """The outcome of looking at a case: its state, what to do, and when to look again."""

    state: CaseState
    actions: tuple[CaseAction, ...]
    next_check: datetime | None  # None: only an event will change anything


def derive_state(facts: LineFacts) -> CaseState:
    """The state the line's facts put the case in."""
    if facts.cancelled:
        return CaseState.CANCELLED
    if facts.open_quantity <= 0:
        return CaseState.CLOSED if facts.shipped_quantity else CaseState.CANCELLED
    if facts.on_hold:
        return CaseState.ON_HOLD
    if facts.held_quantity >= facts.open_quantity:
        if facts.on_hand_quantity >= facts.open_quantity:
            if facts.released_to_warehouse:
                return CaseState.RELEASED_TO_WAREHOUSE
            return CaseState.ALLOCATED
        stages = {h.stage for h in facts.held if h.stage is not SupplyStage.ON_HAND}
        if SupplyStage.SHIPPED in stages:
            return CaseState.IN_TRANSIT
        if stages == {SupplyStage.CONFIRMED}:
            late = any(h.due > facts.requested for h in facts.held)
            return CaseState.SUPPLIER_LATE if late else CaseState.SUPPLIER_CONFIRMED
        return CaseState.REPLENISHMENT_REQUESTED
    if facts.substitute_offered:
        return CaseState.SUBSTITUTION_OFFERED
    if facts.held_quantity > 0:
        return CaseState.PARTIALLY_ALLOCATED
    if facts.replenishment_pending:
        return CaseState.REPLENISHMENT_REQUESTED
    return CaseState.AWAITING_SUPPLY


def evaluate(
    facts: LineFacts,
    previous: CaseState,
    opened_at: datetime,
    now: datetime,
    timeouts: CaseTimeouts,
) -> Evaluation:
    """State, actions due and the next time to look, for a case at `now`."""
    state = derive_state(facts)
    if state is CaseState.ON_HOLD:
        # A person stopped the case: it does nothing and sets no timer until released
        # (the release is news that wakes it).
        return Evaluation(state=state, actions=(), next_check=None)
    actions: list[CaseAction] = []
    checks: list[datetime] = []
    today = now.date()

    if not state.terminal:
        if previous is CaseState.DETECTED:
            actions.append(
                _notice(
                    "backordered",
                    "backordered",
                    facts.promise,
                    "the line cannot ship complete by the requested date",
                )
            )
        elif facts.promise != facts.notified_promise:
            actions.append(
                _notice(
                    f"promise:{facts.promise}",
                    "promise_changed",
                    facts.promise,
                    "the promise date moved",
                )
            )

    if state in (CaseState.AWAITING_SUPPLY, CaseState.PARTIALLY_ALLOCATED) and facts.short_quantity:
        actions.append(
            CaseAction(
                ActionKind.REQUEST_REPLENISHMENT,
                key=f"replenish:{today}",
                detail=f"{facts.short_quantity} units have no supply",
                data={"quantity": facts.short_quantity},
            )
        )
        deadline = opened_at + timeouts.unsourced
        if now >= deadline:
            actions.append(
                _task(
                    "procurement",
                    "unsourced_shortage",
                    "high",
                    f"{facts.short_quantity} units of {facts.sku} have no supply and no order",
                )
            )
        else:
            checks.append(deadline)

    for held in facts.held:
        if held.stage is SupplyStage.ORDERED and held.ordered_on is not None:
            deadline = (
                datetime.combine(held.ordered_on, now.timetz()) + timeouts.supplier_acknowledgement
            )
            if now >= deadline:
                actions.append(
                    CaseAction(
                        ActionKind.REMIND_SUPPLIER,
                        key=f"remind:{held.source_id}",
                        detail=f"no acknowledgement for {held.source_id}",
                        data={"source_id": held.source_id, "supplier": held.supplier},
                    )
                )
                actions.append(
                    _task(
                        "procurement",
                        "supplier_acknowledgement_overdue",
                        "normal",
                        f"{held.supplier or 'supplier'} has not acknowledged {held.source_id}",
                        cause=f"po-line:{held.source_id}",
                    )
                )
            else:
                checks.append(deadline)
        if held.stage in (SupplyStage.CONFIRMED, SupplyStage.ORDERED):
            overdue = datetime.combine(held.due, now.timetz()) + timeouts.supplier_grace
            if now >= overdue:
                actions.append(
                    _task(
                        "procurement",
                        "supplier_late",
                        "high",
                        f"{held.source_id} was due {held.due} and has not shipped",
                        cause=f"po-line:{held.source_id}",
                    )
                )
            else:
                checks.append(overdue)

    if state is CaseState.SUBSTITUTION_OFFERED:
        actions.append(
            CaseAction(
                ActionKind.NOTIFY_CUSTOMER,
                key=f"notice:substitute:{facts.substitute_offered}",
                detail=f"substitute {facts.substitute_offered} is available",
                data={"kind": "substitution_offer", "substitute": facts.substitute_offered},
            )
        )
        deadline = opened_at + timeouts.substitution_answer
        if now >= deadline:
            actions.append(
                _task(
                    "customer_service",
                    "substitution_unanswered",
                    "normal",
                    f"no answer to the offer of {facts.substitute_offered}",
                )
            )
        else:
            checks.append(deadline)

    if state is CaseState.RELEASED_TO_WAREHOUSE and facts.pick_released_at is not None:
        deadline = facts.pick_released_at + timeouts.pick_confirmation
        if now >= deadline:
            actions.append(
                _task(
                    "warehouse",
                    "pick_overdue",
                    "normal",
                    f"pick {facts.open_pick} of {facts.open_quantity} units of {facts.sku}, "
                    f"released {facts.pick_released_at:%Y-%m-%d %H:%M}, is not confirmed",
                    cause=f"pick:{facts.open_pick}",
                )
            )
        else:
            checks.append(deadline)

    if state is CaseState.ALLOCATED:
        actions.append(
            CaseAction(
                ActionKind.RELEASE_TO_WAREHOUSE,
                key="release",
                detail="all units are on hand: pick them",
                data={"quantity": facts.open_quantity},
            )
        )

    at_risk = facts.requested + timeouts.promise_at_risk
    if facts.promise is not None and facts.promise > at_risk and not state.terminal:
        actions.append(
            _task(
                "customer_service",
                "promise_at_risk",
                "normal",
                f"promised {facts.promise}, requested {facts.requested}",
            )
        )

    slip = timeouts.expedite_promise_slip
    if slip is not None and facts.promise is not None and expedite_due(facts, state, slip, today):
        actions.append(
            CaseAction(
                ActionKind.PROPOSE_EXPEDITE,
                key=f"expedite:{facts.promise}",
                detail=f"promised {facts.promise}, more than {slip.days} days after the request",
                data={
                    "promise": facts.promise.isoformat(),
                    "service_date": (facts.requested + slip).isoformat(),
                },
            )
        )

    return Evaluation(state=state, actions=tuple(actions), next_check=min(checks, default=None))


def expedite_due(facts: LineFacts, state: CaseState, slip: timedelta, today: date) -> bool:
    """True when the promise slipped past the service level and a faster route may exist.

    A faster route may exist when every unit has supply and one of the receipts is a
    purchase-order line not yet shipped (premium freight), or when other DCs hold enough
    free stock for the units not yet on hand (a transfer).
    """
    if state.terminal or state is CaseState.ON_HOLD or facts.promise is None:
        return False
    if facts.promise - facts.requested <= slip or facts.promise <= today:
        return False
    flyable = facts.short_quantity == 0 and any(
        h.stage in (SupplyStage.ORDERED, SupplyStage.CONFIRMED) and h.due > today
        for h in facts.held
    )
    waiting = facts.open_quantity - facts.on_hand_quantity
    return flyable or 0 < waiting <= facts.free_elsewhere


def _notice(key: str, kind: str, promise: date | None, detail: str) -> CaseAction:
    return CaseAction(
        ActionKind.NOTIFY_CUSTOMER,
        key=f"notice:{key}",
        detail=detail,
        data={"kind": kind, "promise": promise.isoformat() if promise else None},
    )


def _task(
    team: str, task_type: str, severity: str, detail: str, cause: str | None = None
) -> CaseAction:
    """A task action; `cause` shares one task among cases (e.g. one per PO line)."""
    return CaseAction(
        ActionKind.OPEN_TASK,
        key=f"task:{task_type}:{cause}" if cause else f"task:{task_type}",
        team=team,
        task_type=task_type,
        severity=severity,
        detail=detail,
        data={"cause": cause} if cause else {},
    )
