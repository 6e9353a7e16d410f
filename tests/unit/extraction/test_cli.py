"""The `extract` command, registered the way the CLI registers it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from backorder.entrypoints.cli.supplier_messages import extract

app = typer.Typer()
risk = typer.Typer()
risk.command("extract")(extract)
app.add_typer(risk, name="risk")


def test_json_output_for_an_eml(corpus_dir: Path) -> None:
    outcome = CliRunner().invoke(
        app, ["risk", "extract", str(corpus_dir / "01_partial_reply.eml"), "--json"]
    )
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.output)
    assert [c["quantity"] for c in data["commitments"]][:2] == [300, 200]


def test_table_output_for_a_portal_message(corpus_dir: Path) -> None:
    outcome = CliRunner().invoke(
        app,
        [
            "risk",
            "extract",
            str(corpus_dir / "18_eom_mid_month_portal.txt"),
            "--message-date",
            "2024-11-12",
        ],
        env={"COLUMNS": "200"},
    )
    assert outcome.exit_code == 0, outcome.output
    assert "4500013330" in outcome.output
    assert "vague_date" in outcome.output


def test_plain_text_without_a_date_is_a_usage_error(corpus_dir: Path) -> None:
    outcome = CliRunner().invoke(app, ["risk", "extract", str(corpus_dir / "02_terse_portal.txt")])
    assert outcome.exit_code == 2


def test_a_bad_date_is_a_usage_error(corpus_dir: Path) -> None:
    outcome = CliRunner().invoke(
        app,
        ["risk", "extract", str(corpus_dir / "02_terse_portal.txt"), "--message-date", "soon"],
    )
    assert outcome.exit_code == 2
