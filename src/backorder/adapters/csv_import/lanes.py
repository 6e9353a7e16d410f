"""lanes.csv: transfer lanes between DCs (`origin,destination,lead_time_days,cost_per_unit`)."""

from __future__ import annotations

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of
from backorder.adapters.csv_import.parsed import Parsed, Reference, RefKind
from backorder.adapters.csv_import.reader import Column, FileSpec
from backorder.domain.model import TransferLane

SPEC = FileSpec(
    "lanes",
    (
        Column("origin", True, "DC the stock leaves (a known location)"),
        Column("destination", True, "DC the stock arrives at (a known location)"),
        Column("lead_time_days", True, "whole days in transit, >= 0"),
        Column("cost_per_unit", False, "transfer cost per unit, >= 0 (default 0)"),
    ),
    key="origin,destination",
)


def parse_row(fields: RowFields) -> Parsed[TransferLane] | None:
    """A lane from one row."""
    code_length = length_of(orm.locations.c.code)
    origin = fields.text("origin", required=True, max_length=code_length)
    destination = fields.text("destination", required=True, max_length=code_length)
    lead_time = fields.integer("lead_time_days", required=True)
    cost = fields.decimal("cost_per_unit")
    if origin is not None and origin == destination:
        fields.error("destination", "a lane needs two different locations")
    if origin is None or destination is None or lead_time is None or not fields.ok:
        return None
    return Parsed(
        fields.row.number,
        TransferLane(origin, destination, lead_time, cost or 0.0),
        f"{origin}->{destination}",
        (
            Reference("origin", RefKind.LOCATION, origin, origin),
            Reference("destination", RefKind.LOCATION, destination, destination),
        ),
    )
