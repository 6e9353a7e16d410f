"""Schemas of master data: locations, lanes, suppliers, items, customers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Item,
    Location,
    Period,
    Substitute,
    SubstitutionAcceptance,
    Supplier,
    Tier,
    TransferLane,
)

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-/]+$")
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LocationCreate(_Model):
    """A distribution centre."""

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._\-]+$")
    name: str = ""
    region: str = Field(min_length=1, max_length=64)

    def to_domain(self) -> Location:
        """The domain object."""
        return Location(code=self.code, region=self.region, name=self.name)


class LocationRead(LocationCreate):
    """A stored distribution centre."""


class LaneCreate(_Model):
    """A transfer lane between two DCs."""

    origin: str
    destination: str
    lead_time_days: int = Field(ge=0, le=365)
    cost_per_unit: float = Field(0.0, ge=0)

    def to_domain(self) -> TransferLane:
        """The domain object."""
        return TransferLane(self.origin, self.destination, self.lead_time_days, self.cost_per_unit)


class SupplierCreate(_Model):
    """A supplier."""

    code: str = Code
    name: str = ""
    lead_time_days: int = Field(14, ge=0, le=730)
    edi_id: str | None = None
    email: str | None = Field(None, pattern=EMAIL, max_length=320)

    def to_domain(self) -> Supplier:
        """The domain object."""
        return Supplier(self.code, self.name, self.lead_time_days, self.edi_id, self.email)


class SupplierRead(SupplierCreate):
    """A stored supplier."""


class SubstituteSchema(_Model):
    """An alternate item."""

    sku: str = Code
    factor: float = Field(1.0, gt=0)
    requires_acceptance: bool = True


class ItemCreate(_Model):
    """An item (SKU)."""

    sku: str = Code
    description: str = ""
    uom: str = Field("EA", max_length=16)
    unit_cost: float = Field(0.0, ge=0)
    list_price: float = Field(0.0, ge=0)
    product_line: str = ""
    item_group: str = ""
    supplier: str | None = None
    order_multiple: int = Field(1, ge=1)
    safety_stock: int = Field(0, ge=0)
    substitutes: list[SubstituteSchema] = []

    def to_domain(self) -> Item:
        """The domain object."""
        return Item(
            sku=self.sku,
            description=self.description,
            uom=self.uom,
            unit_cost=self.unit_cost,
            list_price=self.list_price,
            product_line=self.product_line,
            item_group=self.item_group,
            substitutes=tuple(
                Substitute(s.sku, s.factor, s.requires_acceptance) for s in self.substitutes
            ),
            supplier=self.supplier,
            order_multiple=self.order_multiple,
            safety_stock=self.safety_stock,
        )

    @classmethod
    def from_domain(cls, item: Item) -> ItemCreate:
        """Schema of a domain item."""
        return cls(
            sku=item.sku,
            description=item.description,
            uom=item.uom,
            unit_cost=item.unit_cost,
            list_price=item.list_price,
            product_line=item.product_line,
            item_group=item.item_group,
            supplier=item.supplier,
            order_multiple=item.order_multiple,
            safety_stock=item.safety_stock,
            substitutes=[
                SubstituteSchema(
                    sku=s.sku, factor=s.factor, requires_acceptance=s.requires_acceptance
                )
                for s in item.substitutes
            ],
        )


class ItemRead(ItemCreate):
    """A stored item."""


class ContractSchema(_Model):
    """A contract commitment: quantity of an item per period."""

    sku: str = Code
    quantity_per_period: int = Field(gt=0)
    period: Literal["week", "month", "quarter"] = "month"


class CustomerCreate(_Model):
    """A customer."""

    code: str = Code
    name: str = ""
    tier: Tier = Tier.STANDARD
    region: str = ""
    home_location: str | None = None
    ship_complete: bool = False
    substitution: SubstitutionAcceptance = SubstitutionAcceptance.ASK
    notification_channel: Literal["email", "edi", "portal", "none"] = "email"
    email: str | None = Field(None, pattern=EMAIL, max_length=320)
    contracts: list[ContractSchema] = []

    def to_domain(self) -> Customer:
        """The domain object."""
        return Customer(
            code=self.code,
            name=self.name,
            tier=self.tier,
            region=self.region,
            home_location=self.home_location,
            contracts=tuple(
                ContractCommitment(c.sku, c.quantity_per_period, Period(c.period))
                for c in self.contracts
            ),
            ship_complete=self.ship_complete,
            substitution=self.substitution,
            notification_channel=self.notification_channel,
            email=self.email,
        )

    @classmethod
    def from_domain(cls, customer: Customer) -> CustomerCreate:
        """Schema of a domain customer."""
        return cls(
            code=customer.code,
            name=customer.name,
            tier=customer.tier,
            region=customer.region,
            home_location=customer.home_location,
            ship_complete=customer.ship_complete,
            substitution=customer.substitution,
            notification_channel=customer.notification_channel,
            email=customer.email,
            contracts=[
                ContractSchema(
                    sku=c.sku,
                    quantity_per_period=c.quantity_per_period,
                    period=c.period.value,
                )
                for c in customer.contracts
            ],
        )


class CustomerRead(CustomerCreate):
    """A stored customer."""


class SavedRead(BaseModel):
    """Outcome of a create-or-update."""

    key: str
    created: bool
