"""`backorder risk extract FILE`: delivery commitments read from one supplier message.

A plain function, registered by the caller: `risk_app.command("extract")(extract)`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from backorder.risk.extraction import ExtractionResult

# The extractor (and dateparser under it) is imported by the command itself, so that
# `backorder --help` does not pay for it.


def _parse_date(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date (2024-11-20 or 2024-11-20T09:30)",
            param_hint="--message-date",
        ) from error


def _one_line(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _render(result: ExtractionResult, console: Console) -> None:
    from backorder.risk.extraction import is_confident

    console.print(
        f"[bold]{result.subject or '(no subject)'}[/bold]  "
        f"sent {result.message_date:%Y-%m-%d %H:%M}  from {result.sender or 'unknown'}"
    )
    for note in result.notes:
        console.print(f"[dim]{note}[/dim]")
    if result.reply_expected_by:
        console.print(f"Supplier promised to write back by {result.reply_expected_by:%Y-%m-%d}.")
    table = Table(title="Delivery commitments", show_lines=False)
    for column in ("PO", "Line", "SKU", "Qty", "Date", "Kind", "Part", "Conf.", "As written"):
        table.add_column(column, justify="right" if column in ("Qty", "Conf.") else "left")
    for c in result.commitments:
        part = "balance" if c.is_balance else ("partial" if c.is_partial else "")
        confidence = f"{c.confidence:.2f}" + ("" if is_confident(c) else " [yellow]review[/yellow]")
        quantity = f"{c.quantity:,} {c.unit or ''}".strip() if c.quantity is not None else ""
        table.add_row(
            c.po_number,
            str(c.po_line or ""),
            c.sku or "",
            quantity,
            c.commitment_date.isoformat(),
            c.kind.value,
            part,
            confidence,
            _one_line(c.date_text, 30),
        )
    console.print(table if result.commitments else "No delivery commitment found.")
    if result.unsure:
        unsure = Table(title="Unsure: open a procurement task")
        for column in ("Reason", "Suggested action", "Text"):
            unsure.add_column(column)
        for u in result.unsure:
            unsure.add_row(u.reason.value, u.suggestion.action, _one_line(u.text, 60))
        console.print(unsure)


def extract(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help=".eml or plain-text file"),
    ],
    message_date: Annotated[
        str | None,
        typer.Option(
            "--message-date",
            help="When the message was written (ISO); required for plain-text portal messages.",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON instead of tables.")
    ] = False,
) -> None:
    """Extract delivery commitments from a supplier e-mail or portal message."""
    from backorder.risk.extraction import extract_file

    when = _parse_date(message_date)
    try:
        result = extract_file(file, when)
    except ValueError as error:  # a plain-text file without --message-date, a bad Date header
        raise typer.BadParameter(str(error), param_hint="FILE") from error
    if json_output:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    _render(result, Console())
