"""Commands: what someone asks the system to do (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backorder.domain.model import OrderLine, SupplySource


@dataclass(frozen=True, slots=True)
class Command:
    """Base of all commands."""


@dataclass(frozen=True, slots=True)
class PlaceOrderLine(Command):
    """Accept a new order line and allocate it at once against available-to-promise."""

    line: OrderLine


@dataclass(frozen=True, slots=True)
class CancelOrderLine(Command):
    """Cancel an order line and release what it holds."""

    line_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class ChangeLineQuantity(Command):
    """Change the ordered quantity of a line."""

    line_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class ReceiveSupply(Command):
    """Record units arriving at a location (a receipt against a PO or a transfer)."""

    source: SupplySource


@dataclass(frozen=True, slots=True)
class ConfirmSupply(Command):
    """Record a supplier's acknowledgement of a purchase-order line with its date."""

    source_id: str
    confirmed_date: date
    quantity: int | None = None


@dataclass(frozen=True, slots=True)
class RunAllocation(Command):
    """Allocate supply to open demand for some or all items."""

    skus: tuple[str, ...] | None = None
    solver: str = "priority"
