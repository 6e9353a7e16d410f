"""Replenishment rules: how much to buy, and when a transfer from another DC beats buying.

The rules, applied per item x DC when a backorder case asks for supply:

1. **Need.** `need = uncovered backlog + safety stock + cover - pending`, where the
   uncovered backlog is the open units of the DC's lines that no supply covers, the safety
   stock is the item's, cover is `cover_days` of average daily demand (0 unless the policy
   asks for it), and pending is supply that already answers the need but is not allocated:
   free stock and free open receipts at the DC, and suggestions still waiting for a decision.
2. **Transfer first, when it is faster.** Another DC with free stock on hand (net of its
   allocations and its own safety stock) and a lane to this DC is a candidate when the
   lane's lead time is shorter than the supplier's. The fastest candidate wins (then the
   cheaper lane, then the one with more free stock, then the DC code); it moves at most the
   uncovered backlog net of pending supply (never safety stock or cover: moving stock to
   build another DC's buffer only shifts the shortage). One origin per decision.
3. **Buy the rest.** What the transfer does not cover is bought from the item's supplier,
   rounded up to the order multiple; nothing is bought when the rest is zero or less.
4. **Approval.** A suggestion whose value (quantity x unit cost) is at or below the
   policy's threshold is carried out at once; above it, it waits for a person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def round_up(quantity: int, multiple: int) -> int:
    """`quantity` rounded up to a whole number of `multiple` (0 stays 0)."""
    if quantity <= 0:
        return 0
    step = max(multiple, 1)
    return -(-quantity // step) * step


def cover_units(daily_demand: float, cover_days: float) -> int:
    """Units that cover `cover_days` of demand at `daily_demand` per day (rounded up)."""
    if daily_demand <= 0 or cover_days <= 0:
        return 0
    return math.ceil(daily_demand * cover_days - 1e-9)


@dataclass(frozen=True)
class TransferOption:
    """Free stock at another DC that could move to the short DC."""

    origin: str
    free: int  # units on hand at the origin not allocated and above its safety stock
    lane_days: int
    lane_cost: float = 0.0


@dataclass(frozen=True)
class NeedInput:
    """The facts of one item x DC that the replenishment rules look at."""

    uncovered: int  # open units of the DC's lines that no supply covers
    safety_stock: int
    pending: int  # free stock and receipts at the DC, and undecided suggestions
    order_multiple: int = 1
    cover: int = 0  # units for `cover_days` of demand
    supplier_lead_days: int | None = None  # None: the item has no (known) supplier
    transfers: Sequence[TransferOption] = ()


@dataclass(frozen=True)
class TransferPlan:
    """Move `quantity` units from `origin`, arriving after `lane_days`."""

    origin: str
    quantity: int
    lane_days: int
    lane_cost: float

    @property
    def cost(self) -> float:
        """Freight cost of the move."""
        return self.quantity * self.lane_cost


@dataclass(frozen=True)
class ReplenishmentPlan:
    """What to do for one item x DC: a transfer, a purchase, both or neither."""

    transfer: TransferPlan | None
    purchase: int  # units to buy (a multiple of the order multiple), 0 for none
    unbuyable: int = 0  # units that should be bought but the item has no supplier

    @property
    def empty(self) -> bool:
        """True when nothing needs doing."""
        return self.transfer is None and self.purchase == 0 and self.unbuyable == 0


def best_transfer(
    options: Sequence[TransferOption], beat_days: int | None
) -> TransferOption | None:
    """The fastest transfer that arrives before `beat_days` (None: any lane will do)."""
    usable = [o for o in options if o.free > 0 and (beat_days is None or o.lane_days < beat_days)]
    if not usable:
        return None
    return min(usable, key=lambda o: (o.lane_days, o.lane_cost, -o.free, o.origin))


def plan(need: NeedInput, *, allow_transfer: bool = True) -> ReplenishmentPlan:
    """Apply the replenishment rules (module docstring) to one item x DC."""
    backlog_gap = max(need.uncovered - need.pending, 0)
    transfer: TransferPlan | None = None
    if allow_transfer and backlog_gap > 0:
        option = best_transfer(need.transfers, need.supplier_lead_days)
        if option is not None:
            transfer = TransferPlan(
                option.origin, min(option.free, backlog_gap), option.lane_days, option.lane_cost
            )
    moved = transfer.quantity if transfer is not None else 0
    rest = need.uncovered + need.safety_stock + need.cover - need.pending - moved
    if rest <= 0:
        return ReplenishmentPlan(transfer, 0)
    if need.supplier_lead_days is None:
        return ReplenishmentPlan(transfer, 0, unbuyable=rest)
    return ReplenishmentPlan(transfer, round_up(rest, need.order_multiple))


def needs_approval(value: float, threshold: float) -> bool:
    """True when a suggestion of this value must wait for a person."""
    return value > threshold
