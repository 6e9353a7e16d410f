"""The distributor's world as value objects: items, locations, customers, orders, supply.

Everything here is pure data plus the small rules that belong to a single object (an
inventory position knows what is available, an order line knows its open quantity). The
allocation engine works on a columnar view of these objects (`allocation.problem`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from backorder.domain.errors import DomainError


class Tier(enum.StrEnum):
    """Commercial tier of a customer; lower rank is served first by default."""

    STRATEGIC = "strategic"
    CONTRACT = "contract"
    STANDARD = "standard"

    @property
    def rank(self) -> int:
        """Position of the tier in the default priority order (0 = first)."""
        return list(Tier).index(self)


class SubstitutionAcceptance(enum.StrEnum):
    """What a customer has agreed to about substitute items."""

    NEVER = "never"  # never substitute
    ASK = "ask"  # offer, and wait for the customer's yes
    PRE_ACCEPTED = "pre_accepted"  # apply at once, tell the customer


class ConfirmationState(enum.StrEnum):
    """How sure a future receipt is, from the supplier's documents."""

    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"  # EDI 855 acknowledged
    SHIPPED = "shipped"  # EDI 856 ship notice
    RECEIVED = "received"
    REJECTED = "rejected"  # the supplier refused the line (855): no longer supply


class SupplyKind(enum.StrEnum):
    """Where units come from."""

    ON_HAND = "on_hand"
    PURCHASE_ORDER = "purchase_order"
    TRANSFER = "transfer"


class LineStatus(enum.StrEnum):
    """Lifecycle of an order line as far as allocation is concerned."""

    OPEN = "open"
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class Period(enum.StrEnum):
    """Length of a contract commitment period."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def code(self) -> int:
        """Code used in the columnar problem (`problem.PERIOD_*`)."""
        return list(Period).index(self)


@dataclass(frozen=True, slots=True)
class Substitute:
    """An alternate item: `factor` substitute units replace one unit of the original."""

    sku: str
    factor: float = 1.0
    requires_acceptance: bool = True

    def __post_init__(self) -> None:
        if self.factor <= 0:
            raise DomainError(f"substitute {self.sku}: conversion factor must be > 0")


@dataclass(frozen=True, slots=True)
class Item:
    """A stock-keeping unit."""

    sku: str
    description: str = ""
    uom: str = "EA"
    unit_cost: float = 0.0
    list_price: float = 0.0
    product_line: str = ""
    item_group: str = ""
    substitutes: tuple[Substitute, ...] = ()
    supplier: str | None = None  # primary supplier
    order_multiple: int = 1  # purchase quantities are rounded up to this multiple
    safety_stock: int = 0  # units per DC a replenishment should leave in stock

    def __post_init__(self) -> None:
        if self.order_multiple < 1:
            raise DomainError(f"item {self.sku}: order multiple must be >= 1")


@dataclass(frozen=True, slots=True)
class Supplier:
    """A vendor of items, with its quoted lead time."""

    code: str
    name: str = ""
    lead_time_days: int = 14
    edi_id: str | None = None  # interchange id for X12 documents
    email: str | None = None


@dataclass(frozen=True, slots=True)
class TransferLane:
    """A way to move stock between two distribution centres."""

    origin: str
    destination: str
    lead_time_days: int
    cost_per_unit: float = 0.0

    def __post_init__(self) -> None:
        if self.lead_time_days < 0:
            raise DomainError(f"lane {self.origin}->{self.destination}: lead time must be >= 0")


@dataclass(frozen=True, slots=True)
class Location:
    """A distribution centre."""

    code: str
    region: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class ContractCommitment:
    """Quantity of an item promised to a customer per period: ring-fenced supply."""

    sku: str
    quantity_per_period: int
    period: Period = Period.MONTH


@dataclass(frozen=True, slots=True)
class Customer:
    """A buyer with a tier, a home region and service preferences."""

    code: str
    name: str = ""
    tier: Tier = Tier.STANDARD
    region: str = ""
    home_location: str | None = None
    contracts: tuple[ContractCommitment, ...] = ()
    ship_complete: bool = False
    substitution: SubstitutionAcceptance = SubstitutionAcceptance.ASK
    notification_channel: str = "email"  # email, edi, portal or none
    email: str | None = None

    def commitment_for(self, sku: str) -> ContractCommitment | None:
        """The contract commitment covering `sku`, if any."""
        return next((c for c in self.contracts if c.sku == sku), None)


@dataclass(frozen=True, slots=True)
class PromiseChange:
    """One entry in a line's promise-date history."""

    at: datetime
    promise_date: date | None
    reason: str


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A requested quantity of one item on an order."""

    line_id: int
    order_id: str
    customer: str
    sku: str
    quantity: int
    requested_date: date
    unit_price: float = 0.0
    unit_cost: float = 0.0
    ship_from: str | None = None
    order_type: str = "standard"
    ordered_at: datetime | None = None
    status: LineStatus = LineStatus.OPEN
    shipped_quantity: int = 0
    promise_date: date | None = None
    promise_history: tuple[PromiseChange, ...] = ()

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise DomainError(f"line {self.line_id}: quantity must be > 0")
        if not 0 <= self.shipped_quantity <= self.quantity:
            raise DomainError(f"line {self.line_id}: shipped quantity outside 0..{self.quantity}")

    @property
    def unit_margin(self) -> float:
        """Price minus cost for one unit."""
        return self.unit_price - self.unit_cost

    @property
    def open_quantity(self) -> int:
        """Units still to ship (zero once cancelled)."""
        if self.status is LineStatus.CANCELLED:
            return 0
        return self.quantity - self.shipped_quantity

    def repromised(self, new_date: date | None, at: datetime, reason: str) -> OrderLine:
        """This line with a new promise date, the change appended to its history."""
        if new_date == self.promise_date:
            return self
        entry = PromiseChange(at=at, promise_date=new_date, reason=reason)
        return replace(self, promise_date=new_date, promise_history=(*self.promise_history, entry))


@dataclass(frozen=True, slots=True)
class Order:
    """A customer's order: a header and its lines."""

    order_id: str
    customer: str
    ordered_at: datetime
    lines: tuple[OrderLine, ...] = field(default=())

    @property
    def value(self) -> float:
        """Open order value at line prices."""
        return sum(line.open_quantity * line.unit_price for line in self.lines)


@dataclass(frozen=True, slots=True)
class InventoryPosition:
    """Stock of one item at one location."""

    sku: str
    location: str
    on_hand: int
    allocated: int = 0
    in_transit: int = 0

    @property
    def available(self) -> int:
        """On hand not yet allocated (never negative)."""
        return max(self.on_hand - self.allocated, 0)


@dataclass(frozen=True, slots=True)
class SupplySource:
    """Units of one item that are, or will be, at a location on a date.

    On-hand stock is a source dated today; an open purchase-order line or an inbound
    transfer is a source dated at its expected receipt.
    """

    source_id: str
    sku: str
    location: str
    quantity: int
    available_date: date
    kind: SupplyKind = SupplyKind.ON_HAND
    confirmation: ConfirmationState = ConfirmationState.RECEIVED
    supplier: str | None = None
    reference: str | None = None  # PO number and line, or transfer number

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise DomainError(f"supply {self.source_id}: quantity must be >= 0")


@dataclass(frozen=True, slots=True)
class Allocation:
    """Units of a supply source assigned to an order line."""

    line_id: int
    source_id: str
    quantity: int
    ship_from: str
    available_date: date
    sku: str
