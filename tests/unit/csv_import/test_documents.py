"""Orders and purchase orders: rows grouped into documents that load or fail whole."""

from __future__ import annotations

from datetime import UTC, datetime

from backorder.adapters.csv_import import inventory, orders, purchase_orders
from backorder.adapters.csv_import.grouped import (
    Group,
    in_batches,
    refused_document,
    validate_documents,
)
from backorder.adapters.csv_import.parsed import validate_rows
from backorder.adapters.csv_import.reader import RowError
from backorder.domain.model import ConfirmationState
from tests.unit.csv_import.conftest import ReadCsv, lookup_of

ORDERS = "order_id,line_number,line_id,customer,sku,quantity,requested_date,ordered_at\n"
PURCHASE_ORDERS = (
    "po_number,line_number,supplier,sku,location,quantity,expected_date,confirmation\n"
)
KNOWN = lookup_of(customer={"BIGCO", "SMALL"}, item={"SAW", "HAMMER"}, location={"EAST"})
NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


def _nothing_stored(keys: list[str]) -> set[str]:
    return set()


def _errors(errors: list[RowError]) -> list[tuple[int, str, str]]:
    return sorted((e.row, e.field, e.reason) for e in errors)


def test_rows_of_an_order_are_grouped_wherever_they_are(read_csv: ReadCsv) -> None:
    table = read_csv(
        orders.SPEC,
        ORDERS + "SO-1,2,L2,BIGCO,HAMMER,1,2026-12-01,\n"
        "SO-2,1,L3,SMALL,SAW,2,2026-12-02,\n"
        "SO-1,1,L1,BIGCO,SAW,3,2026-12-01,2026-11-26T08:00:00\n",
    )
    settled = validate_documents(table, orders.KIND, KNOWN, _nothing_stored)
    assert settled.errors == []
    first, second = settled.accepted
    assert (first.key, first.rows, second.key) == ("SO-1", [2, 4], "SO-2")
    order = orders.to_order(first, NOW)
    assert [(line.sku, line.quantity) for line in order.lines] == [("SAW", 3), ("HAMMER", 1)]
    assert order.ordered_at == datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert orders.to_order(second, NOW).ordered_at == NOW  # not given: the import time
    assert [p.row for p in orders.KIND.lines(first)] == [4, 2]


def test_an_order_with_a_bad_line_is_rejected_whole_and_every_line_says_why(
    read_csv: ReadCsv,
) -> None:
    table = read_csv(
        orders.SPEC,
        ORDERS + "SO-1,1,L1,BIGCO,SAW,3,2026-12-01,\n"
        "SO-1,2,L2,BIGCO,NOPE,1,2026-12-01,\n"
        "SO-1,3,L3,BIGCO,HAMMER,0,2026-12-01,\n"
        "SO-2,1,L4,GHOST,SAW,1,2026-12-01,\n"
        "SO-3,1,L5,SMALL,SAW,1,2026-12-01,\n",
    )
    settled = validate_documents(table, orders.KIND, KNOWN, _nothing_stored)
    assert [g.key for g in settled.accepted] == ["SO-3"]
    assert [g.key for g in settled.rejected] == ["SO-1", "SO-2"]
    assert _errors(settled.errors) == [
        (2, "order_id", "order 'SO-1' rejected as a whole: file line(s) 3, 4 have errors"),
        (3, "sku", "unknown item 'NOPE'"),
        (4, "quantity", "must be at least 1"),
        (5, "customer", "unknown customer 'GHOST'"),
    ]


def test_lines_must_fit_their_order(read_csv: ReadCsv) -> None:
    table = read_csv(
        orders.SPEC,
        ORDERS + "SO-1,1,,BIGCO,SAW,1,2026-12-01,2026-11-26T08:00:00\n"
        "SO-1,1,,BIGCO,SAW,1,2026-12-01,\n"
        "SO-1,2,,SMALL,SAW,1,2026-12-01,2026-11-25T08:00:00\n",
    )
    settled = validate_documents(table, orders.KIND, KNOWN, _nothing_stored)
    assert _errors(settled.errors) == [
        (2, "order_id", "order 'SO-1' rejected as a whole: file line(s) 3, 4 have errors"),
        (3, "line_number", "order 'SO-1' already has line 1 (file line 2)"),
        (4, "customer", "order 'SO-1' has customer BIGCO (file line 2)"),
        (4, "ordered_at", "order 'SO-1' has ordered_at 2026-11-26T08:00:00+00:00 (file line 2)"),
    ]


def test_stored_orders_are_skipped_whole_even_with_bad_lines(read_csv: ReadCsv) -> None:
    table = read_csv(
        orders.SPEC,
        ORDERS + "SO-1,1,,BIGCO,SAW,1,2026-12-01,\nSO-1,2,,BIGCO,NOPE,x,2026-12-01,\n"
        "SO-2,1,,BIGCO,SAW,1,2026-12-01,\n,1,,BIGCO,SAW,1,2026-12-01,\n",
    )
    settled = validate_documents(table, orders.KIND, KNOWN, lambda keys: {"SO-1"})
    assert [g.key for g in settled.skipped] == ["SO-1"]
    assert [g.key for g in settled.accepted] == ["SO-2"]
    assert _errors(settled.errors) == [(5, "order_id", "is required")]


def test_purchase_order_lines_are_numbered_1_to_n_with_one_supplier(read_csv: ReadCsv) -> None:
    table = read_csv(
        purchase_orders.SPEC,
        PURCHASE_ORDERS + "PO-1,2,ACME,SAW,EAST,5,2026-12-10,shipped\n"
        "PO-1,1,ACME,SAW,EAST,5,2026-12-10,\n"
        "PO-2,1,ACME,SAW,EAST,5,2026-12-10,\n"
        "PO-2,3,BOLT,SAW,EAST,5,2026-12-10,received\n",
    )
    known = lookup_of(supplier={"ACME", "BOLT"}, item={"SAW"}, location={"EAST"})
    settled = validate_documents(table, purchase_orders.KIND, known, _nothing_stored)
    (po_1,) = settled.accepted
    lines = [p.value for p in purchase_orders.KIND.lines(po_1)]
    assert [(r.line_number, r.confirmation) for r in lines] == [
        (1, ConfirmationState.UNCONFIRMED),
        (2, ConfirmationState.SHIPPED),
    ]
    assert _errors(settled.errors) == [
        (
            4,
            "po_number",
            "purchase order 'PO-2' rejected as a whole: file line(s) 5 have errors",
        ),
        (5, "confirmation", "must be one of unconfirmed, confirmed, shipped"),
    ]


def test_purchase_order_consistency_is_checked_on_rows_that_parse(read_csv: ReadCsv) -> None:
    table = read_csv(
        purchase_orders.SPEC,
        PURCHASE_ORDERS
        + "PO-2,1,ACME,SAW,EAST,5,2026-12-10,\nPO-2,3,BOLT,SAW,EAST,5,2026-12-10,\n",
    )
    known = lookup_of(supplier={"ACME", "BOLT"}, item={"SAW"}, location={"EAST"})
    settled = validate_documents(table, purchase_orders.KIND, known, _nothing_stored)
    assert _errors(settled.errors) == [
        (2, "po_number", "purchase order 'PO-2' rejected as a whole: file line(s) 3 have errors"),
        (3, "line_number", "purchase order 'PO-2' has 2 line(s): number them 1..2 without gaps"),
        (3, "supplier", "purchase order 'PO-2' has supplier ACME (file line 2)"),
    ]


def test_batches_never_split_a_document() -> None:
    groups: list[Group[object]] = [
        Group(f"SO-{n}", rows=list(range(size))) for n, size in enumerate([3, 3, 1, 5])
    ]
    batches = in_batches(groups, 4)
    assert [[g.key for g in batch] for batch in batches] == [["SO-0", "SO-1"], ["SO-2", "SO-3"]]
    assert [[g.key for g in b] for b in in_batches(groups, 1)] == [[g.key] for g in groups]


def test_a_refusal_naming_a_line_is_pinned_to_its_row(read_csv: ReadCsv) -> None:
    table = read_csv(
        orders.SPEC, ORDERS + "SO-1,2,,BIGCO,SAW,1,2026-12-01,\nSO-1,1,,BIGCO,SAW,1,2026-12-01,\n"
    )
    (group,) = validate_documents(table, orders.KIND, KNOWN, _nothing_stored).accepted

    def refusal(row: int) -> RowError:
        return RowError(row, "sku", "SAW", "refused")

    pinned = refused_document(group, orders.KIND, "lines[1].sku", refusal)
    assert _errors(pinned) == [
        (2, "sku", "refused"),  # position 1 by line number is line_number 2, file line 2
        (3, "order_id", "order 'SO-1' rejected as a whole: file line(s) 2 have errors"),
    ]
    whole = refused_document(group, orders.KIND, "customer", refusal)
    assert _errors(whole) == [(2, "sku", "refused"), (3, "sku", "refused")]


def test_inventory_rows_are_unique_per_item_and_location(read_csv: ReadCsv) -> None:
    table = read_csv(
        inventory.SPEC,
        "sku,location,on_hand\nSAW,EAST,4\nSAW,EAST,5\nSAW,MARS,1\nNOPE,EAST,1\nSAW,EAST,x\n",
    )
    result = validate_rows(table, inventory.parse_row, inventory.SPEC, KNOWN)
    assert [p.value for p in result.parsed] == [inventory.StockRow("SAW", "EAST", 4)]
    assert _errors(result.errors) == [
        (3, "sku,location", "duplicate of line 2"),
        (4, "location", "unknown location 'MARS'"),
        (5, "sku", "unknown item 'NOPE'"),
        (6, "on_hand", "not a number"),
    ]


def test_order_dates_are_checked(read_csv: ReadCsv) -> None:
    table = read_csv(orders.SPEC, ORDERS + "SO-1,1,,BIGCO,SAW,1,01/12/2026,today\n")
    settled = validate_documents(table, orders.KIND, KNOWN, _nothing_stored)
    assert _errors(settled.errors) == [
        (2, "ordered_at", "not an ISO date-time (YYYY-MM-DDTHH:MM[:SS][+HH:MM])"),
        (2, "requested_date", "not an ISO date (YYYY-MM-DD)"),
    ]
