"""Shipments beyond the recorded stock: the warehouse's count wins, and someone recounts.

A shipment the warehouse confirms has left the building; refusing it would lose a
physical fact. When it takes more units out of a DC than the stock record holds, the
record was wrong: stock goes to zero (never below), and the gap is written down as an
audited inventory discrepancy with a warehouse task to count the location, instead of
vanishing in the clamp.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import open_task
from backorder.service_layer.unit_of_work import UnitOfWork

StockKey = tuple[str, str]  # (sku, location)


@dataclass(frozen=True)
class UnrecordedStock:
    """Units a shipment took out of a DC beyond what its stock record held."""

    sku: str
    location: str
    shipped: int
    recorded: int
    shipments: tuple[str, ...]

    @property
    def missing(self) -> int:
        """Units shipped that the record never had."""
        return self.shipped - self.recorded


def unrecorded_stock(
    uow: UnitOfWork,
    taken: Mapping[StockKey, int],
    shipments: Mapping[StockKey, Sequence[str]],
) -> list[UnrecordedStock]:
    """Item x DCs where the units `taken` exceed the stock on record (read before taking)."""
    levels = {(s, loc): q for s, loc, q in uow.supply.stock(sorted({s for s, _ in taken}))}
    found = []
    for (sku, location), units in sorted(taken.items()):
        recorded = levels.get((sku, location), 0)
        if units > recorded:
            ids = tuple(sorted({i for i in shipments.get((sku, location), ()) if i}))
            found.append(UnrecordedStock(sku, location, units, recorded, ids))
    return found


def report_unrecorded_stock(
    uow: UnitOfWork, ctx: ServiceContext, found: Sequence[UnrecordedStock], actor: str
) -> None:
    """Audit each discrepancy and ask the warehouse to count the location (once per cause)."""
    now = uow.clock.now()
    for gap in found:
        uow.platform.audit(
            actor=actor,
            action="inventory.discrepancy",
            subject=f"inventory/{gap.sku}/{gap.location}",
            before={"on_hand": gap.recorded},
            after={
                "on_hand": 0,
                "shipped": gap.shipped,
                "unrecorded_units": gap.missing,
                "shipments": list(gap.shipments),
            },
            now=now,
        )
        named = ", ".join(gap.shipments) or "a shipment"
        open_task(
            uow,
            ctx,
            cause=f"stock:{gap.sku}@{gap.location}:{named}"[:160],
            case_id=None,
            task_type="inventory_discrepancy",
            subject=f"stock count: {gap.sku} at {gap.location}",
            detail=(
                f"the warehouse shipped {gap.shipped} units ({named}) but {gap.recorded} were "
                f"on record; stock set to 0, {gap.missing} units were never recorded: count "
                "the location"
            ),
        )
