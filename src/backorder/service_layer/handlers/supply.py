"""Stock: snapshots (counted levels) and adjustments; the items touched are reallocated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.handlers.allocation import lock_substitution_groups, reallocate_items
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StockLevel:
    """Stock of one item at one DC."""

    sku: str
    location: str
    on_hand: int


def _check_place(uow: UnitOfWork, sku: str, location: str, where: str) -> None:
    if not uow.master.known_skus([sku]):
        raise InvalidInputError(f"{where}.sku", f"unknown item {sku!r}")
    if location not in {loc.code for loc in uow.master.locations()}:
        raise InvalidInputError(f"{where}.location", f"unknown location {location!r}")


def set_stock(
    ctx: ServiceContext, levels: Sequence[StockLevel], actor: str, *, reallocate: bool = True
) -> int:
    """Inventory snapshot: set on-hand levels; returns how many changed."""
    with ctx.unit_of_work() as uow:
        known = uow.master.known_skus(level.sku for level in levels)
        locations = {loc.code for loc in uow.master.locations()}
        for index, level in enumerate(levels):
            if level.sku not in known:
                raise InvalidInputError(f"levels[{index}].sku", f"unknown item {level.sku!r}")
            if level.location not in locations:
                raise InvalidInputError(
                    f"levels[{index}].location", f"unknown location {level.location!r}"
                )
            if level.on_hand < 0:
                raise InvalidInputError(f"levels[{index}].on_hand", "cannot be negative")
        skus = sorted({level.sku for level in levels})
        lock_substitution_groups(uow, skus)
        now = uow.clock.now()
        before = uow.supply.set_levels(
            {(level.sku, level.location): level.on_hand for level in levels}, now
        )
        changed = 0
        for level in levels:
            previous = before.get((level.sku, level.location), 0)
            if previous != level.on_hand:
                changed += 1
                uow.platform.audit(
                    actor=actor,
                    action="inventory.set",
                    subject=f"inventory/{level.sku}/{level.location}",
                    before={"on_hand": previous},
                    after={"on_hand": level.on_hand},
                    now=now,
                )
        if reallocate and changed:
            reallocate_items(uow, ctx.policy, skus, reason="inventory snapshot")
        uow.commit()
    return changed


def adjust_stock(
    ctx: ServiceContext, sku: str, location: str, delta: int, reason: str, actor: str
) -> int:
    """Add (or remove, when negative) units on hand; returns the new level."""
    with ctx.unit_of_work() as uow:
        _check_place(uow, sku, location, "adjustment")
        lock_substitution_groups(uow, [sku])
        before = uow.supply.on_hand(sku, location) or 0
        after = before + delta
        if after < 0:
            raise InvalidInputError(
                "delta", f"would leave {after} on hand of {sku} at {location} (have {before})"
            )
        uow.supply.set_on_hand(sku, location, after, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="inventory.adjusted",
            subject=f"inventory/{sku}/{location}",
            before={"on_hand": before},
            after={"on_hand": after, "reason": reason},
            now=uow.clock.now(),
        )
        reallocate_items(uow, ctx.policy, [sku], reason=f"stock adjustment ({reason})")
        uow.commit()
    return after


@dataclass(frozen=True)
class StockAdjustment:
    """Units added to (negative: removed from) stock of one item at one DC."""

    sku: str
    location: str
    delta: int
    reason: str


def adjust_stocks(
    ctx: ServiceContext,
    adjustments: Sequence[StockAdjustment],
    actor: str,
    *,
    reallocate: bool = True,
) -> list[int]:
    """Many adjustments in one transaction, in order, with one reallocation of their items.

    Returns the level after each adjustment. An adjustment that would leave negative stock
    refuses the whole batch, naming it (`adjustments[i].delta`).
    """
    with ctx.unit_of_work() as uow:
        known = uow.master.known_skus(a.sku for a in adjustments)
        locations = {loc.code for loc in uow.master.locations()}
        for index, adjustment in enumerate(adjustments):
            if adjustment.sku not in known:
                raise InvalidInputError(
                    f"adjustments[{index}].sku", f"unknown item {adjustment.sku!r}"
                )
            if adjustment.location not in locations:
                raise InvalidInputError(
                    f"adjustments[{index}].location", f"unknown location {adjustment.location!r}"
                )
        skus = sorted({a.sku for a in adjustments})
        lock_substitution_groups(uow, skus)
        now = uow.clock.now()
        levels: dict[tuple[str, str], int] = {}
        after_each = []
        for index, adjustment in enumerate(adjustments):
            place = (adjustment.sku, adjustment.location)
            if place not in levels:
                levels[place] = uow.supply.on_hand(*place) or 0
            before = levels[place]
            after = before + adjustment.delta
            if after < 0:
                raise InvalidInputError(
                    f"adjustments[{index}].delta",
                    f"would leave {after} on hand of {adjustment.sku} at {adjustment.location} "
                    f"(have {before})",
                )
            levels[place] = after
            after_each.append(after)
            uow.platform.audit(
                actor=actor,
                action="inventory.adjusted",
                subject=f"inventory/{adjustment.sku}/{adjustment.location}",
                before={"on_hand": before},
                after={"on_hand": after, "reason": adjustment.reason},
                now=now,
            )
        uow.supply.set_levels(levels, now)
        if reallocate:
            reallocate_items(uow, ctx.policy, skus, reason="stock adjustments")
        uow.commit()
    return after_each


# Purchasing moved to its own module; these names stay importable from here.
from backorder.service_layer.handlers.purchasing import (  # noqa: E402
    PurchaseOrderLineInput,
    confirm_po_line,
    create_purchase_order,
    receive,
    record_ship_notice,
)

__all__ = [
    "PurchaseOrderLineInput",
    "StockAdjustment",
    "StockLevel",
    "adjust_stock",
    "adjust_stocks",
    "confirm_po_line",
    "create_purchase_order",
    "receive",
    "record_ship_notice",
    "set_stock",
]
