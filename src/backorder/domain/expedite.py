"""Expedite rules: when a slipped promise is worth paying for, and which faster route to take.

A case proposes an expedite when its promise lies more than the policy's
`promise_slip_days` after the requested date (the customer's service level) and a faster
route may exist (`domain.cases.expedite_due`). The routes considered:

- **Premium freight** on a purchase-order line the line waits for that has not shipped yet:
  the receipt moves `premium_freight_days` earlier (never before today). The whole open
  quantity of the PO line flies, so the cost is that quantity x
  `premium_freight_cost_per_unit`. It only helps a line whose every unit has supply.
- **Transfer** of free stock on hand at another DC with a lane to the line's DC: it arrives
  after the lane's lead time and costs the units x the lane's cost per unit. It must carry
  every unit the line still waits for.

A route is useful when the line's new promise (the latest of its remaining arrivals) is
earlier than its current promise. Among useful routes, those that bring the line back
within the service level win and the cheapest of them is chosen; when none does, the
earliest new promise wins, then the lower cost. The proposal is approved by policy when its
cost is at or below `approval_threshold_cost`, otherwise a person decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

RouteKind = Literal["premium_freight", "transfer"]


@dataclass(frozen=True)
class ExpeditePolicy:
    """The policy numbers of expediting."""

    promise_slip_days: int
    premium_freight_cost_per_unit: float
    premium_freight_days: int
    approval_threshold_cost: float


@dataclass(frozen=True)
class Inbound:
    """A receipt the line waits for: units of the line on one source, due on a date."""

    source_id: str
    line_units: int  # units of the line held on it
    due: date
    open_quantity: int  # units still to receive on the whole source (what would fly)
    can_fly: bool  # a purchase-order line not yet shipped


@dataclass(frozen=True)
class FreeStock:
    """Free stock on hand at another DC, with the lane to the line's DC."""

    origin: str
    free: int
    lane_days: int
    lane_cost: float


@dataclass(frozen=True)
class Route:
    """A faster way to get the line's units, with its cost and the promise it makes."""

    kind: RouteKind
    quantity: int
    cost: float
    new_date: date  # when the expedited units arrive
    new_promise: date  # the line's promise if the route is taken
    source_id: str | None = None  # premium freight: the PO line
    origin: str | None = None  # transfer: the DC the stock leaves


def routes(
    inbound: Sequence[Inbound],
    stock: Sequence[FreeStock],
    *,
    waiting: int,
    short: int,
    today: date,
    policy: ExpeditePolicy,
) -> list[Route]:
    """Every route (premium freight per PO line, transfer per DC) with its new promise.

    `waiting` is the line's units not yet on hand at its DC, `short` those without supply.
    """
    found: list[Route] = []
    if short == 0:
        for receipt in inbound:
            if not receipt.can_fly:
                continue
            new_date = max(receipt.due - timedelta(days=policy.premium_freight_days), today)
            if new_date >= receipt.due:
                continue
            others = [r.due for r in inbound if r.source_id != receipt.source_id]
            found.append(
                Route(
                    kind="premium_freight",
                    quantity=receipt.open_quantity,
                    cost=receipt.open_quantity * policy.premium_freight_cost_per_unit,
                    new_date=new_date,
                    new_promise=max([new_date, *others]),
                    source_id=receipt.source_id,
                )
            )
    if waiting > 0:
        for free in stock:
            if free.free < waiting:
                continue
            arrival = today + timedelta(days=free.lane_days)
            found.append(
                Route(
                    kind="transfer",
                    quantity=waiting,
                    cost=waiting * free.lane_cost,
                    new_date=arrival,
                    new_promise=arrival,
                    origin=free.origin,
                )
            )
    return found


def choose(candidates: Sequence[Route], promise: date, service_date: date) -> Route | None:
    """The route to propose (module docstring), or None when none beats `promise`."""
    useful = [r for r in candidates if r.new_promise < promise]
    if not useful:
        return None
    within = [r for r in useful if r.new_promise <= service_date]
    if within:
        return min(within, key=lambda r: (r.cost, r.new_promise, r.kind))
    return min(useful, key=lambda r: (r.new_promise, r.cost, r.kind))


def auto_approved(route: Route, policy: ExpeditePolicy) -> bool:
    """True when the policy approves the route's cost without a person."""
    return route.cost <= policy.approval_threshold_cost
