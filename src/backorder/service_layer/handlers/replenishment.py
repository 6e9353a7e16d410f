"""Replenishment: a case's shortage becomes a purchase or transfer suggestion, and a
suggestion becomes a purchase order or a transfer, by policy or by a buyer.

The rules (quantity, transfer or purchase, approval) are in `domain.replenishment`; this
module gathers their facts for the item at the case's DC and carries the outcome out:

- The facts are read with the item locked (the case evaluation holds the lock), so two
  cases of one item never decide on the same picture: the second one sees the first one's
  suggestion as pending supply and asks only for what is still missing.
- One undecided suggestion per item x DC x kind: a later case adds itself to the cases it
  serves, and raises its quantity when the need grew.
- A suggestion at or below the approval threshold is carried out at once (decided by
  "policy"); above it a buyer gets a `purchase_approval` task (cause `suggestion:<id>`).
- After a rejection, no suggestion of that kind is made for the item x DC again that day.
- An item without a (known) supplier cannot be bought: a `master_data_gap` task says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from backorder.adapters.repositories.cases import CaseRecord
from backorder.adapters.repositories.replenishment import (
    ReplenishmentRepository,
    SuggestionRecord,
)
from backorder.domain import events
from backorder.domain.cases import ActionKind, CaseAction, LineFacts
from backorder.domain.model import Item
from backorder.domain.replenishment import (
    NeedInput,
    ReplenishmentPlan,
    TransferOption,
    cover_units,
    needs_approval,
    plan,
    round_up,
)
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import Reach, executor, open_task
from backorder.service_layer.handlers.inline import connection_of, reference
from backorder.service_layer.handlers.suggestions import carry_out
from backorder.service_layer.unit_of_work import UnitOfWork

POLICY_ACTOR = "policy"  # who decided a suggestion carried out at or below the threshold


@dataclass(frozen=True)
class Picture:
    """What the rules decide on for one item x DC, and where each number came from."""

    item: Item
    location: str
    lead_days: int | None
    need: NeedInput
    threshold: float  # value above which a person approves


@executor(ActionKind.REQUEST_REPLENISHMENT, Reach.ITEM)
def request_replenishment(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts, action: CaseAction
) -> None:
    """Case action: suggest (and, below the threshold, order) supply for the shortage."""
    uow.record(
        events.ReplenishmentRequested(case.case_id, case.line_id, case.sku, facts.short_quantity)
    )
    replenish(uow, ctx, case, facts)


def replenish(
    uow: UnitOfWork, ctx: ServiceContext, case: CaseRecord, facts: LineFacts
) -> list[int]:
    """Suggest supply for the item at the case's DC; returns the suggestions serving it."""
    repo = ReplenishmentRepository(connection_of(uow))
    location = facts.home_location or repo.home_location(case.line_id)
    picture = _picture(uow, ctx, repo, facts.sku, location) if location else None
    if picture is None:
        return []
    now, today = uow.clock.now(), uow.today
    start_of_day = datetime.combine(today, time(0), tzinfo=now.tzinfo)
    # The undecided suggestions of the item x DC, read once: only this call adds to them.
    undecided = repo.open_suggestions(facts.sku, picture.location, with_cases=False)
    rejected: set[str] | None = None

    def rejected_today(kind: str) -> bool:
        nonlocal rejected
        if rejected is None:
            rejected = repo.rejected_kinds_since(facts.sku, picture.location, start_of_day)
        return kind in rejected

    allow_transfer = (
        ctx.operations.replenishment.transfers
        and "transfer" not in undecided
        and not rejected_today("transfer")
    )
    decided = plan(picture.need, allow_transfer=allow_transfer)
    serving: list[int] = []
    if decided.transfer is not None:
        serving.append(_add_transfer(uow, repo, picture, decided))
    if decided.purchase and not rejected_today("purchase"):
        serving.append(_add_purchase(uow, repo, picture, decided, undecided.get("purchase")))
    if decided.unbuyable:
        open_task(
            uow,
            ctx,
            cause=f"item:{facts.sku}:supplier",
            case_id=case.case_id,
            task_type="master_data_gap",
            subject=f"master data gap: {facts.sku} has no supplier to buy from",
            detail=f"{decided.unbuyable} units of {facts.sku} are needed at {picture.location}",
        )
    for kind in ("purchase", "transfer"):
        shared = undecided.get(kind)
        if shared is not None and shared.suggestion_id not in serving:
            serving.append(shared.suggestion_id)
    for suggestion_id in serving:
        repo.link_case(suggestion_id, case.case_id, case.line_id, facts.short_quantity, now)
    for suggestion_id in serving:
        suggestion = repo.get_suggestion(suggestion_id, with_cases=False)
        assert suggestion is not None
        if suggestion.status != "suggested":
            continue
        if needs_approval(suggestion.value, picture.threshold):
            _ask_buyer(uow, ctx, suggestion, case.case_id)
        else:
            carry_out(uow, ctx, suggestion, POLICY_ACTOR, "at or below the approval threshold")
    return serving


def _picture(
    uow: UnitOfWork, ctx: ServiceContext, repo: ReplenishmentRepository, sku: str, location: str
) -> Picture | None:
    master = reference(uow)
    item = master.item(sku)
    if item is None:
        return None
    today = uow.today
    supplier = master.supplier(item.supplier) if item.supplier else None
    built = uow.allocations.backlog([sku], today, ctx.policy.tiers)
    network, demand = built.problem.network, built.problem.demand
    if location not in network.locations:
        return None
    home = demand.home == network.code_of(location)
    line_ids = demand.line_id[home].tolist()
    held: dict[int, int] = defaultdict(int)
    for stored in uow.allocations.of_lines(line_ids):
        held[stored.allocation.line_id] += stored.allocation.quantity
    uncovered = sum(
        max(q - held[line], 0)
        for line, q in zip(line_ids, demand.quantity[home].tolist(), strict=True)
    )
    allocated = uow.allocations.allocated_by_sources([sku])
    free_receipts = sum(
        max(line.open_quantity - allocated.get(line.source_id, 0), 0)
        for line in uow.supply.open_po_lines([sku])
        if line.location == location
    )
    free = repo.free_stock(sku)
    pending = free.get(location, 0) + free_receipts + repo.pending_units(sku, location)
    policy = ctx.operations.replenishment
    cover = 0
    if policy.cover_days > 0:
        since = uow.clock.now() - timedelta(days=policy.demand_window_days)
        daily = repo.daily_demand(sku, location, since, policy.demand_window_days)
        cover = cover_units(daily, policy.cover_days)
    lanes = [lane for lane in master.lanes() if lane.destination == location]
    transfers = [
        TransferOption(
            lane.origin,
            max(free.get(lane.origin, 0) - item.safety_stock, 0),
            lane.lead_time_days,
            lane.cost_per_unit,
        )
        for lane in lanes
    ]
    lead_days = supplier.lead_time_days if supplier is not None else None
    need = NeedInput(
        uncovered=uncovered,
        safety_stock=item.safety_stock,
        pending=pending,
        order_multiple=item.order_multiple,
        cover=cover,
        supplier_lead_days=lead_days,
        transfers=transfers,
    )
    return Picture(item, location, lead_days, need, policy.approval_threshold_value)


def _reason(picture: Picture, decided: ReplenishmentPlan) -> str:
    need, transfer = picture.need, decided.transfer
    text = (
        f"uncovered backlog {need.uncovered} + safety stock {need.safety_stock} + cover "
        f"{need.cover} - free or pending supply {need.pending}"
    )
    if transfer is not None:
        text += f" - transfer {transfer.quantity} from {transfer.origin}"
    return text + f", in multiples of {max(picture.item.order_multiple, 1)}"


def _add_transfer(
    uow: UnitOfWork, repo: ReplenishmentRepository, picture: Picture, decided: ReplenishmentPlan
) -> int:
    transfer = decided.transfer
    assert transfer is not None
    now, item = uow.clock.now(), picture.item
    suggestion = repo.insert_suggestion(
        {
            "kind": "transfer",
            "sku": item.sku,
            "location": picture.location,
            "origin": transfer.origin,
            "supplier": None,
            "quantity": transfer.quantity,
            "unit_cost": item.unit_cost,
            "value": transfer.quantity * item.unit_cost,
            "expected_date": uow.today + timedelta(days=transfer.lane_days),
            "reason": _reason(picture, decided)
            + f"; {transfer.origin} has free stock {transfer.lane_days} days away, "
            f"sooner than the supplier's {picture.lead_days} days",
            "status": "suggested",
            "created_at": now,
            "updated_at": now,
        }
    )
    _created(uow, suggestion, picture.threshold)
    return suggestion.suggestion_id


def _add_purchase(
    uow: UnitOfWork,
    repo: ReplenishmentRepository,
    picture: Picture,
    decided: ReplenishmentPlan,
    existing: SuggestionRecord | None,
) -> int:
    """Add a purchase suggestion, or raise `existing` (the item x DC's undecided one)."""
    now, item = uow.clock.now(), picture.item
    assert picture.lead_days is not None
    reason = _reason(picture, decided)
    if existing is not None:
        # A later case found more missing: the shared suggestion grows, it is not doubled.
        quantity = round_up(existing.quantity + decided.purchase, item.order_multiple)
        repo.update_suggestion(
            existing.suggestion_id,
            quantity=quantity,
            value=quantity * existing.unit_cost,
            reason=f"{existing.reason}; raised by {quantity - existing.quantity}: {reason}",
            updated_at=now,
        )
        return existing.suggestion_id
    suggestion = repo.insert_suggestion(
        {
            "kind": "purchase",
            "sku": item.sku,
            "location": picture.location,
            "origin": None,
            "supplier": item.supplier,
            "quantity": decided.purchase,
            "unit_cost": item.unit_cost,
            "value": decided.purchase * item.unit_cost,
            "expected_date": uow.today + timedelta(days=picture.lead_days),
            "reason": reason,
            "status": "suggested",
            "created_at": now,
            "updated_at": now,
        }
    )
    _created(uow, suggestion, picture.threshold)
    return suggestion.suggestion_id


def _created(uow: UnitOfWork, s: SuggestionRecord, threshold: float) -> None:
    uow.record(
        events.SuggestionCreated(
            s.suggestion_id,
            s.kind,
            s.sku,
            s.location,
            s.origin,
            s.supplier,
            s.quantity,
            s.value,
            s.expected_date,
            needs_approval=needs_approval(s.value, threshold),
        )
    )


def _ask_buyer(
    uow: UnitOfWork, ctx: ServiceContext, suggestion: SuggestionRecord, case_id: str
) -> None:
    what = (
        f"buy {suggestion.quantity} {suggestion.sku} from {suggestion.supplier}"
        if suggestion.kind == "purchase"
        else f"move {suggestion.quantity} {suggestion.sku} from {suggestion.origin}"
    )
    open_task(
        uow,
        ctx,
        cause=f"suggestion:{suggestion.suggestion_id}",
        case_id=case_id,
        task_type="purchase_approval",
        subject=f"approve suggestion {suggestion.suggestion_id}: {what} for {suggestion.location}",
        detail=f"value {suggestion.value:.2f}; {suggestion.reason}",
    )
