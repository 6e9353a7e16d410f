"""`backorder import KIND FILE.csv`: load a CSV file, show progress, report every bad row.

Exit codes: 0 every row loaded (or was stored already), 1 some rows were rejected (the
good ones are loaded), 2 the file itself is unusable (missing, not CSV, wrong header).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from backorder.adapters.csv_import import SPECS, FileError, ImportReport
from backorder.adapters.csv_import.report import error_record
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.entrypoints.cli.edi import import_edi_file
from backorder.logging import configure_logging
from backorder.service_layer.handlers.imports import BATCH_ROWS, KINDS, import_file

ERRORS_SHOWN = 50
ACTOR = "cli"

import_app = typer.Typer(
    help="Load master data, stock, orders and purchase orders from CSV files.",
    no_args_is_help=True,
)


class _RowsPerSecond(ProgressColumn):
    """Rows loaded per second."""

    def render(self, task: Task) -> Text:
        """The current speed, or a dash before there is one."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s", style="progress.data.speed")


def _write_errors(path: Path, report: ImportReport) -> None:
    columns = ["row", "field", "value", "reason"]
    if report.kind == "orders":
        columns.append("source_line_id")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(error_record(e) for e in report.errors)


def _cut(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _summary(report: ImportReport) -> Table:
    table = Table(title=f"Import of {report.path} ({report.kind})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("rows read", f"{report.rows_read:,}")
    table.add_row("rows loaded", f"{report.rows_loaded:,}")
    table.add_row("rows skipped (already imported)", f"{report.rows_skipped:,}")
    table.add_row("rows rejected", f"{report.rows_rejected:,}")
    for name, value in report.counters.items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    if report.allocation:
        run = report.allocation
        table.add_row(
            "allocation run",
            f"{run['run_id'][:8]}: {run['items']:,} items, {run['lines'] or 0:,} lines, "
            f"{run['backordered_units'] or 0:,} units backordered",
        )
    if report.allocation_error:
        table.add_row("allocation run", f"[red]failed: {report.allocation_error}[/red]")
    table.add_row("time", f"{report.seconds:,.1f} s ({report.rows_per_second:,.0f} rows/s)")
    return table


def _errors(report: ImportReport) -> Table:
    shown = report.errors[:ERRORS_SHOWN]
    title = f"Errors ({len(shown)} of {len(report.errors):,})"
    table = Table(title=title, show_lines=False)
    table.add_column("line", justify="right")
    table.add_column("column")
    if report.kind == "orders":
        table.add_column("source line id")
    table.add_column("value")
    table.add_column("reason")
    for error in shown:
        cells = [str(error.row), error.field or "(row)"]
        if report.kind == "orders":
            cells.append(error.source_line_id or "")
        table.add_row(*cells, _cut(error.value), error.reason)
    return table


def _render(report: ImportReport, console: Console, errors_out: Path | None) -> None:
    console.print(_summary(report))
    if not report.errors:
        console.print("[green]Every row loaded.[/green]")
        return
    console.print(_errors(report))
    if report.grouped:
        noun = "order" if report.kind == "orders" else "purchase order"
        console.print(
            f"A {noun} with any bad line is rejected as a whole: every bad line is listed "
            f"with its reason, and each of its other lines with the note 'rejected as a whole'."
        )
    if len(report.errors) > ERRORS_SHOWN and errors_out is None:
        console.print("Use --errors-out FILE.csv to write every error.")
    if errors_out is not None:
        console.print(f"All {len(report.errors):,} errors written to {errors_out}.")


def _run(kind: str, file: Path, errors_out: Path | None, as_json: bool, batch_rows: int) -> None:
    settings = Settings()
    configure_logging(settings)
    console = Console()
    application = bootstrap(settings)
    try:
        if as_json:
            report = import_file(application.context, kind, file, ACTOR, batch_rows=batch_rows)
        else:
            columns = (
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RowsPerSecond(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
                task = progress.add_task(f"importing {kind}", total=None)
                report = import_file(
                    application.context,
                    kind,
                    file,
                    ACTOR,
                    batch_rows=batch_rows,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
    except FileError as error:
        if as_json:
            typer.echo(json.dumps({"kind": kind, "path": str(file), "file_error": str(error)}))
        else:
            Console(stderr=True).print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        application.close()
    exit_code = report.exit_code
    if errors_out is not None:
        try:
            _write_errors(errors_out, report)
        except OSError as error:  # the import is done; say the error file is missing
            Console(stderr=True).print(f"[red]error:[/red] cannot write {errors_out}: {error}")
            errors_out, exit_code = None, max(exit_code, 1)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        _render(report, console, errors_out)
    raise typer.Exit(exit_code)


def _command(kind: str) -> Callable[..., None]:
    def command(
        file: Annotated[Path, typer.Argument(help="The CSV file (UTF-8, header on line 1).")],
        errors_out: Annotated[
            Path | None,
            typer.Option("--errors-out", help="Write every error to this CSV file."),
        ] = None,
        json_output: Annotated[
            bool, typer.Option("--json", help="Print the summary and errors as JSON.")
        ] = False,
        batch_rows: Annotated[
            int, typer.Option(min=1, help="Rows per handler call (transaction).")
        ] = BATCH_ROWS,
    ) -> None:
        _run(kind, file, errors_out, json_output, batch_rows)

    return command


def _help(kind: str) -> str:
    spec = SPECS[kind]
    columns = ", ".join(f"{c.name}*" if c.required else c.name for c in spec.columns)
    return (
        f"Import {kind} from a CSV file. Columns (* required): {columns}. "
        "Exit code 0: every row loaded; 1: some rows rejected (the good ones are loaded); "
        "2: the file is unusable. See docs/csv-import.md."
    )


for _kind in KINDS:
    import_app.command(_kind, help=_help(_kind))(_command(_kind))
import_app.command("edi")(import_edi_file)
