"""`backorder keys create` prints a key once; `backorder keys revoke` ends it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.entrypoints.cli.app import app as cli
from backorder.service_layer.access import authenticate


def test_a_key_created_on_the_command_line_works_until_it_is_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("BACKORDER_DATABASE_URL", url)
    monkeypatch.setenv("BACKORDER_HOME", str(tmp_path))
    runner = CliRunner()

    created = runner.invoke(cli, ["keys", "create", "--role", "planner", "--name", "Pat"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    application = bootstrap(Settings(database_url=url, home=tmp_path))
    try:
        assert authenticate(application.context, key) is not None

        revoked = runner.invoke(cli, ["keys", "revoke", key_id])
        unknown = runner.invoke(cli, ["keys", "revoke", "000000000000"])

        assert revoked.exit_code == 0, revoked.output
        assert f"API key {key_id} revoked" in revoked.output
        assert authenticate(application.context, key) is None
        assert unknown.exit_code == 2
        assert "no API key with id '000000000000'" in unknown.output
    finally:
        application.close()
