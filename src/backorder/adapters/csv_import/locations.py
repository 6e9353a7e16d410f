"""locations.csv: distribution centres (`code,name,region`)."""

from __future__ import annotations

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of
from backorder.adapters.csv_import.parsed import Parsed
from backorder.adapters.csv_import.reader import Column, FileSpec
from backorder.domain.model import Location

SPEC = FileSpec(
    "locations",
    (
        Column("code", True, "DC code"),
        Column("name", False, "display name"),
        Column("region", True, "region the DC serves"),
    ),
    key="code",
)


def parse_row(fields: RowFields) -> Parsed[Location] | None:
    """A location from one row."""
    code = fields.text("code", required=True, max_length=length_of(orm.locations.c.code))
    name = fields.text("name", max_length=length_of(orm.locations.c.name))
    region = fields.text("region", required=True, max_length=length_of(orm.locations.c.region))
    if code is None or region is None or not fields.ok:
        return None
    return Parsed(fields.row.number, Location(code=code, region=region, name=name or ""), code)
