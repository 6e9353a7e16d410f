"""CSV files into typed rows: parsing and validation of each file kind, without I/O.

`reader` checks the file and its header, `fields` converts cells, one module per file kind
turns a row into a domain value (or `RowError`s naming line, column and reason), and
`parsed`/`grouped` do the checks that span rows. Loading is the service layer's job
(`service_layer.handlers.imports`).
"""

from backorder.adapters.csv_import import (
    customers,
    inventory,
    items,
    lanes,
    locations,
    orders,
    purchase_orders,
    suppliers,
)
from backorder.adapters.csv_import.reader import Column, FileError, FileSpec, RowError
from backorder.adapters.csv_import.report import ImportReport

SPECS: dict[str, FileSpec] = {
    spec.kind: spec
    for spec in (
        items.SPEC,
        locations.SPEC,
        lanes.SPEC,
        suppliers.SPEC,
        customers.SPEC,
        inventory.SPEC,
        orders.SPEC,
        purchase_orders.SPEC,
    )
}

__all__ = ["SPECS", "Column", "FileError", "FileSpec", "ImportReport", "RowError"]
