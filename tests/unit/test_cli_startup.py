"""`backorder --help` does not load the heavy libraries the risk commands use."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("lightgbm", "sklearn", "scipy", "dateparser")


def test_the_cli_imports_no_model_library() -> None:
    code = (
        "import sys, backorder.entrypoints.cli.app; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_risk_commands_are_still_registered() -> None:
    from typer.main import get_command

    from backorder.entrypoints.cli.app import app

    risk = get_command(app).commands["risk"]  # type: ignore[attr-defined]
    assert {"train", "evaluate", "score", "promote", "models", "drift", "extract"} <= set(
        risk.commands
    )
