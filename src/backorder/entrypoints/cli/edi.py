"""`backorder import edi FILE`: apply an X12 file from suppliers and write its 997s.

Exit codes: 0 every transaction set applied (or applied before), 1 something was not
(parse errors, refused sets or lines; the good ones are applied), 2 nothing readable.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.logging import configure_logging
from backorder.service_layer.handlers.edi_inbound import EdiImportReport, import_edi

ACTOR = "cli"
SHOWN = 50


def _where(found: Any) -> str:
    parts = []
    if getattr(found, "interchange_control_number", None):
        parts.append(f"ISA {found.interchange_control_number}")
    if getattr(found, "transaction_set_control_number", None):
        parts.append(f"ST {found.transaction_set_id} {found.transaction_set_control_number}")
    if found.segment_id:
        parts.append(f"{found.segment_id} @ {found.segment_position_in_set or '?'} in set")
    if found.segment_position_in_file:
        parts.append(f"segment {found.segment_position_in_file} in file")
    if found.element_position:
        parts.append(f"element {found.element_position:02d}")
    return ", ".join(parts)


def _render(report: EdiImportReport, console: Console) -> None:
    sets = Table(title="Transaction sets")
    for column in ("interchange", "set", "control", "997", "outcome", "lines applied"):
        sets.add_column(column)
    for found in report.sets:
        sets.add_row(
            f"{found.sender} {found.interchange_control_number}",
            found.transaction_set_id,
            found.control_number,
            found.acknowledged,
            found.outcome,
            f"{found.applied_lines}/{found.lines}",
        )
    console.print(sets)
    issues = Table(title="Problems")
    for column in ("severity", "where", "reason"):
        issues.add_column(column)
    rows: list[tuple[str, str, str]] = [("parse error", _where(e), e.reason) for e in report.errors]
    rows += [("warning", _where(w), w.reason) for w in report.warnings]
    for found in report.sets:
        here = f"ISA {found.interchange_control_number}, ST {found.transaction_set_id} "
        rows += [
            (p.severity, here + found.control_number + ", " + _where(p), p.reason)
            for p in found.problems
        ]
    for row in rows[:SHOWN]:
        issues.add_row(*row)
    if rows:
        console.print(issues)
    for ack in report.acknowledgements:
        note = " (sent before)" if ack.sent_before else ""
        console.print(f"997 {ack.interchange_control_number} answers {ack.answers}{note}")


def import_edi_file(
    file: Annotated[Path, typer.Argument(help="The X12 file (any number of interchanges).")],
    acks_out: Annotated[
        Path | None, typer.Option("--acks-out", help="Write each 997 to this directory.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Apply an X12 file from suppliers (855, 856, 846, 810) and store its 997s."""
    settings = Settings()
    configure_logging(settings)
    try:
        data = file.read_bytes()
    except OSError as error:
        Console(stderr=True).print(f"[red]error:[/red] cannot read {file}: {error}")
        raise typer.Exit(2) from None
    application = bootstrap(settings)
    try:
        report = import_edi(application.context, data, ACTOR)
    finally:
        application.close()
    if acks_out is not None:
        acks_out.mkdir(parents=True, exist_ok=True)
        for ack in report.acknowledgements:
            (acks_out / f"997-{ack.interchange_control_number}.x12").write_text(ack.content)
    if json_output:
        typer.echo(json.dumps(_as_json(report), default=str))
    else:
        _render(report, Console())
    raise typer.Exit(report.exit_code)


def _as_json(report: EdiImportReport) -> dict[str, Any]:
    return {
        "transaction_sets": [asdict(s) for s in report.sets],
        "errors": [asdict(e) for e in report.errors],
        "warnings": [asdict(w) for w in report.warnings],
        "acknowledgements": [asdict(a) for a in report.acknowledgements],
        "exit_code": report.exit_code,
    }
