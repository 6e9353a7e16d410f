"""`backorder import edi FILE` and `backorder consume --help` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backorder.entrypoints.cli.app import app as cli

DATA = Path(__file__).resolve().parents[1] / "data" / "edi"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded database for the command (through the environment, as users do)."""
    monkeypatch.setenv("BACKORDER_DATABASE_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    monkeypatch.setenv("BACKORDER_HOME", str(tmp_path))
    return tmp_path


def test_import_edi_reports_and_writes_997s(database: Path) -> None:
    runner = CliRunner()
    acks = database / "acks"
    done = runner.invoke(
        cli,
        ["import", "edi", str(DATA / "three_interchanges.edi"), "--acks-out", str(acks), "--json"],
    )
    # Nothing is set up, so no set applies: every one is reported, and all are answered.
    assert done.exit_code == 1, done.output
    report = json.loads(done.output)
    outcomes = [s["outcome"] for s in report["transaction_sets"]]
    assert outcomes == ["rejected", "applied", "rejected", "refused_by_parser"]
    assert sorted(p.name for p in acks.iterdir()) == [
        "997-000000001.x12",
        "997-000000002.x12",
        "997-000000003.x12",
    ]
    shown = runner.invoke(cli, ["import", "edi", str(DATA / "three_interchanges.edi")])
    assert shown.exit_code == 1
    assert "duplicate" in shown.output
    assert "sent before" in shown.output


def test_an_unreadable_file_exits_2(database: Path) -> None:
    missing = CliRunner().invoke(cli, ["import", "edi", str(database / "none.edi")])
    assert missing.exit_code == 2
    (database / "junk.edi").write_text("not x12 at all")
    junk = CliRunner().invoke(cli, ["import", "edi", str(database / "junk.edi"), "--json"])
    assert junk.exit_code == 2
