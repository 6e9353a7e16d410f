"""`backorder export ocel` and `backorder report`: the event log and the KPI report as files."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backorder.analytics import document
from backorder.analytics.filters import KpiFilter
from backorder.analytics.ocel import write_ocel
from backorder.analytics.reading import reading
from backorder.analytics.snapshot import make_filter
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.errors import DomainError

export_app = typer.Typer(help="Export data for other tools.", no_args_is_help=True)
console = Console(stderr=True)


def _fail(error: Exception) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}")
    return typer.Exit(2)


@export_app.command("ocel")
def export_ocel(
    out: Annotated[Path, typer.Option(help="The JSON file to write ('-': standard output).")],
    start: Annotated[
        date | None, typer.Option(formats=["%Y-%m-%d"], help="Events from this day.")
    ] = None,
    end: Annotated[
        date | None, typer.Option(formats=["%Y-%m-%d"], help="Events up to this day.")
    ] = None,
) -> None:
    """Write the object-centric event log (OCEL 2.0 JSON) for pm4py, Celonis and others."""
    application = bootstrap(Settings())
    started = time.perf_counter()
    try:
        where: KpiFilter | None = None
        if start or end:
            where = make_filter(application.context.clock.today(), start, end)
        with reading(application.context) as read:
            if str(out) == "-":
                counts = write_ocel(read.connection, sys.stdout, where)
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                with console.status("exporting ..."), out.open("w", encoding="utf-8") as file:
                    counts = write_ocel(read.connection, file, where)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        application.close()
    console.print(
        f"{counts.total_objects:,} objects and {counts.total_events:,} events written to {out} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for kind, number in sorted(counts.events.items()):
        console.print(f"  {kind}: {number:,}")


def report(
    out: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("report.html"),
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Also print a PDF beside it, if possible.")
    ] = True,
    start: Annotated[
        date | None, typer.Option(formats=["%Y-%m-%d"], help="First day (default: 4 weeks).")
    ] = None,
    end: Annotated[
        date | None, typer.Option(formats=["%Y-%m-%d"], help="Last day (default: today).")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Customer region.")] = None,
    location: Annotated[str | None, typer.Option(help="DC the lines ship from.")] = None,
    product_line: Annotated[str | None, typer.Option(help="Item product line.")] = None,
    item_group: Annotated[str | None, typer.Option(help="Item group.")] = None,
    tier: Annotated[str | None, typer.Option(help="Customer tier.")] = None,
    title: Annotated[str, typer.Option(help="The report's title.")] = "Backorder KPIs",
) -> None:
    """Write the KPI report (HTML with charts; PDF with Chromium or LibreOffice present)."""
    application = bootstrap(Settings())
    try:
        where = make_filter(
            application.context.clock.today(),
            start,
            end,
            region=region,
            location=location,
            product_line=product_line,
            item_group=item_group,
            tier=tier,
        )
        with console.status("computing the KPIs ..."):
            built = document.build(application.context, where, title)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        application.close()
    html = document.write(built, out)
    for name, value in document.facts(built).items():
        console.print(f"{name}: {value}")
    console.print(f"Report written to {html}")
    if pdf:
        try:
            printed = document.to_pdf(html, html.with_suffix(".pdf"))
        except (OSError, subprocess.SubprocessError) as error:
            # The HTML report is written either way: a converter failing only costs the PDF.
            console.print(f"[yellow]no PDF:[/yellow] the converter failed ({error})")
            return
        if printed is None:
            console.print("no PDF: neither chromium nor libreoffice is installed")
        else:
            console.print(f"PDF written to {printed}")
