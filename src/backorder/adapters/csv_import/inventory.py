"""inventory.csv: a stock snapshot (`sku,location,on_hand`) that sets each level."""

from __future__ import annotations

from dataclasses import dataclass

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of
from backorder.adapters.csv_import.parsed import Parsed, Reference, RefKind
from backorder.adapters.csv_import.reader import Column, FileSpec

SPEC = FileSpec(
    "inventory",
    (
        Column("sku", True, "a known item"),
        Column("location", True, "a known DC"),
        Column("on_hand", True, "units on hand, whole number >= 0 (replaces the level)"),
    ),
    key="sku,location",
)


@dataclass(frozen=True, slots=True)
class StockRow:
    """Units of an item on hand at a DC, as counted."""

    sku: str
    location: str
    on_hand: int


def parse_row(fields: RowFields) -> Parsed[StockRow] | None:
    """A stock level from one row."""
    sku = fields.text("sku", required=True, max_length=length_of(orm.items.c.sku))
    location = fields.text("location", required=True, max_length=length_of(orm.locations.c.code))
    on_hand = fields.integer("on_hand", required=True)
    if sku is None or location is None or on_hand is None or not fields.ok:
        return None
    return Parsed(
        fields.row.number,
        StockRow(sku, location, on_hand),
        f"{sku}@{location}",
        (
            Reference("sku", RefKind.ITEM, sku, sku),
            Reference("location", RefKind.LOCATION, location, location),
        ),
    )
