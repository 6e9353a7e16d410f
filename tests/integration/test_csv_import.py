"""CSV import end to end: good rows stored, bad rows reported, re-imports change nothing.

The files in tests/data/csv describe a small distributor with a few deliberate mistakes;
the import runs on SQLite and PostgreSQL through the `application` fixture, and the CLI
on a temporary SQLite database.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backorder.adapters.csv_import import FileError
from backorder.bootstrap import Application
from backorder.domain.model import ConfirmationState, Location, Substitute
from backorder.entrypoints.cli.imports import import_app
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.handlers import imports
from backorder.service_layer.handlers.imports import ImportReport, import_file
from backorder.service_layer.handlers.orders import place_orders
from backorder.service_layer.handlers.supply import StockLevel, set_stock

DATA = Path(__file__).parent.parent / "data" / "csv"


def load(application: Application, kind: str, **options: Any) -> ImportReport:
    """Import tests/data/csv/<kind>.csv and check that every row is accounted for."""
    report = import_file(application.context, kind, DATA / f"{kind}.csv", "test", **options)
    assert report.rows_read == report.rows_loaded + report.rows_skipped + report.rows_rejected
    return report


def errors(report: ImportReport) -> list[tuple[int, str]]:
    return sorted({(e.row, e.field) for e in report.errors})


def world(application: Application) -> None:
    for kind in ("locations", "suppliers", "items", "customers"):
        load(application, kind)


def test_master_data_loads_good_rows_reports_bad_ones_and_reloads_the_same(
    application: Application,
) -> None:
    assert load(application, "locations").exit_code == 0
    lanes = load(application, "lanes")
    assert (lanes.rows_loaded, errors(lanes)) == (2, [(4, "destination"), (5, "destination")])
    assert load(application, "suppliers").exit_code == 0
    # One row per batch: DRILL names DRILL2 before it exists, and they name each other.
    items = load(application, "items", batch_rows=1)
    assert (items.rows_loaded, items.exit_code) == (4, 1)
    assert errors(items) == [(6, "unit_cost"), (7, "supplier")]
    customers = load(application, "customers")
    assert (customers.rows_loaded, customers.counters) == (2, {"created": 2, "updated": 0})
    assert errors(customers) == [(4, "ship_complete"), (4, "tier"), (5, "contracts")]

    again = [load(application, kind) for kind in ("locations", "lanes", "items", "customers")]
    assert [r.counters for r in again] == [{"created": 0, "updated": n} for n in (2, 2, 4, 2)]
    assert [r.rows_rejected for r in again] == [0, 2, 2, 2]
    with application.context.reader() as uow:
        assert [loc.code for loc in uow.master.locations()] == ["EAST", "WEST"]
        assert uow.master.locations()[0] == Location("EAST", "east", "East DC")
        assert len(uow.master.lanes()) == 2
        stored = {item.sku: item for item in uow.master.items()}
        assert sorted(stored) == ["DRILL", "DRILL2", "HAMMER", "SAW"]
        assert stored["DRILL"].substitutes == (Substitute("DRILL2", 1.0, True),)
        assert stored["DRILL2"].substitutes == (Substitute("DRILL", 1.0, False),)
        assert (stored["SAW"].order_multiple, stored["HAMMER"].order_multiple) == (2, 1)
        (bigco, small) = uow.master.customers()
        assert [c.sku for c in bigco.contracts] == ["SAW", "HAMMER"]
        assert (bigco.ship_complete, small.home_location) == (True, "WEST")


def test_an_inventory_snapshot_sets_levels_and_allocates_the_touched_items_once(
    application: Application,
) -> None:
    world(application)
    report = load(application, "inventory")
    assert (report.rows_loaded, report.exit_code) == (3, 1)
    assert errors(report) == [(5, "location"), (6, "sku,location"), (7, "sku"), (8, "on_hand")]
    assert report.allocation is not None
    assert report.allocation["items"] == 2
    with application.context.reader() as uow:
        assert uow.supply.stock() == [
            ("HAMMER", "EAST", 20),
            ("SAW", "EAST", 10),
            ("SAW", "WEST", 4),
        ]

    again = load(application, "inventory")
    assert (again.counters, again.allocation) == ({"levels_changed": 0}, None)


def test_orders_load_whole_or_are_rejected_whole_and_are_imported_once(
    application: Application,
) -> None:
    world(application)
    load(application, "inventory")
    report = load(application, "orders")
    assert (report.rows_loaded, report.rows_rejected, report.exit_code) == (3, 5, 1)
    assert report.counters["orders_loaded"] == 2
    assert report.counters["orders_rejected"] == 3
    by_row = {(e.row, e.field): e for e in report.errors}
    assert by_row[(5, "sku")].reason == "unknown item 'NOPE'"
    assert by_row[(4, "order_id")].reason.startswith("order 'SO-2' rejected as a whole")
    # The order of an unknown customer is rejected with every line.
    assert by_row[(6, "customer")].reason == "unknown customer 'GHOST'"
    assert by_row[(7, "customer")].source_line_id == "ERP-32"
    assert by_row[(8, "quantity")].reason == "must be at least 1"
    with application.context.reader() as uow:
        lines = [record.line for record in uow.orders.lines_of_order("SO-1")]
        assert [(line.sku, line.quantity, line.ship_from) for line in lines] == [
            ("SAW", 4, None),
            ("HAMMER", 2, "EAST"),
        ]
        assert not uow.orders.order_exists("SO-2")
        assert not uow.orders.order_exists("SO-3")

    again = load(application, "orders")
    assert (again.rows_loaded, again.rows_skipped, again.rows_rejected) == (0, 3, 5)
    assert again.counters["orders_skipped"] == 2
    with application.context.reader() as uow:
        assert len(uow.orders.lines_of_order("SO-1")) == 2


def test_purchase_orders_keep_their_confirmation_and_are_imported_once(
    application: Application,
) -> None:
    world(application)
    report = load(application, "purchase-orders")
    assert (report.rows_loaded, report.exit_code) == (2, 1)
    assert errors(report) == [
        (4, "po_number"),
        (5, "supplier"),
        (6, "confirmation"),
    ]
    assert report.allocation is not None
    with application.context.reader() as uow:
        lines = uow.supply.po_lines("PO-1")
        assert [(line.line_number, line.confirmation) for line in lines] == [
            (1, ConfirmationState.CONFIRMED),
            (2, ConfirmationState.SHIPPED),
        ]
        assert not uow.supply.po_exists("PO-2")

    again = load(application, "purchase-orders")
    assert (again.rows_loaded, again.rows_skipped, again.allocation) == (0, 2, None)


def test_a_batch_the_handler_refuses_is_retried_row_by_row(
    application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    world(application)

    def refusing(ctx: Any, levels: list[StockLevel], actor: str, **options: Any) -> int:
        for index, level in enumerate(levels):
            if level.location == "WEST":
                raise InvalidInputError(f"levels[{index}].location", "WEST is being counted")
        return set_stock(ctx, levels, actor, **options)

    monkeypatch.setattr(imports, "set_stock", refusing)
    report = load(application, "inventory")
    assert report.rows_loaded == 2
    assert report.counters["batches_retried_one_by_one"] == 1
    refused = [(e.row, e.field, e.value, e.reason) for e in report.errors if e.row == 3]
    assert refused == [(3, "location", "WEST", "WEST is being counted")]


def test_an_order_the_handler_refuses_is_rejected_whole_with_its_message(
    application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    world(application)

    def refusing(ctx: Any, orders: list[Any], actor: str) -> Any:
        if any(order.order_id == "SO-1" for order in orders):
            raise InvalidInputError("lines[1].sku", "item HAMMER is blocked")
        return place_orders(ctx, orders, actor)

    monkeypatch.setattr(imports, "place_orders", refusing)
    report = load(application, "orders")
    assert report.counters["orders_loaded"] == 1  # SO-5, after the batch was split
    by_row = {(e.row, e.field): e.reason for e in report.errors}
    assert by_row[(3, "sku")] == "item HAMMER is blocked"
    assert by_row[(2, "order_id")].startswith("order 'SO-1' rejected as a whole: file line(s) 3")


def test_unknown_kinds_and_unusable_files_are_refused_before_loading(
    application: Application, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="kind: must be one of items, locations"):
        import_file(application.context, "widgets", DATA / "items.csv", "test")
    with pytest.raises(FileError, match="no such file"):
        import_file(application.context, "items", tmp_path / "missing.csv", "test")


# -- the command line --------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """`backorder import ...` on a SQLite database of its own."""
    monkeypatch.setenv("BACKORDER_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    monkeypatch.setenv("BACKORDER_HOME", str(tmp_path))
    root = typer.Typer()
    root.add_typer(import_app, name="import")
    return root


def test_cli_prints_a_summary_and_exits_by_outcome(cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["import", "locations", str(DATA / "locations.csv")])
    assert done.exit_code == 0, done.output
    assert "Every row loaded." in done.stdout
    errors_out = tmp_path / "errors.csv"
    lanes = runner.invoke(
        cli, ["import", "lanes", str(DATA / "lanes.csv"), "--errors-out", str(errors_out)]
    )
    assert lanes.exit_code == 1, lanes.output
    assert "rows rejected" in lanes.stdout
    assert "unknown location 'NORTH'" in lanes.stdout
    with errors_out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["field"], r["value"]) for r in rows] == [
        ("4", "destination", "NORTH"),
        ("5", "destination", "EAST"),
    ]
    assert rows[0]["reason"] == "unknown location 'NORTH'"


def test_cli_json_output_and_unusable_files(cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["import", "suppliers", str(DATA / "suppliers.csv"), "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["rows_read"], report["rows_loaded"], report["errors"]) == (2, 2, [])

    wrong = runner.invoke(cli, ["import", "items", str(DATA / "locations.csv"), "--json"])
    assert wrong.exit_code == 2
    assert "missing required columns: sku" in json.loads(wrong.stdout)["file_error"]
    missing = runner.invoke(cli, ["import", "orders", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
