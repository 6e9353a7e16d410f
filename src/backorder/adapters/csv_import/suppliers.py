"""suppliers.csv: vendors (`code,name,lead_time_days,edi_id,email`)."""

from __future__ import annotations

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of
from backorder.adapters.csv_import.parsed import Parsed
from backorder.adapters.csv_import.reader import Column, FileSpec
from backorder.domain.model import Supplier

SPEC = FileSpec(
    "suppliers",
    (
        Column("code", True, "supplier code"),
        Column("name", False, "display name"),
        Column("lead_time_days", False, "quoted lead time in whole days, >= 0 (default 14)"),
        Column("edi_id", False, "X12 interchange id"),
        Column("email", False, "e-mail address for purchase orders and chasing"),
    ),
    key="code",
)

_DEFAULT_LEAD_TIME = Supplier("").lead_time_days


def parse_row(fields: RowFields) -> Parsed[Supplier] | None:
    """A supplier from one row."""
    table = orm.suppliers.c
    code = fields.text("code", required=True, max_length=length_of(table.code))
    name = fields.text("name", max_length=length_of(table.name))
    lead_time = fields.integer("lead_time_days")
    edi_id = fields.text("edi_id", max_length=length_of(table.edi_id))
    email = fields.email("email", max_length=length_of(table.email))
    if code is None or not fields.ok:
        return None
    supplier = Supplier(
        code=code,
        name=name or "",
        lead_time_days=_DEFAULT_LEAD_TIME if lead_time is None else lead_time,
        edi_id=edi_id,
        email=email,
    )
    return Parsed(fields.row.number, supplier, code)
