"""`backorder relay --once` and the background relay `backorder serve` starts."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from backorder.adapters.outbox.relay import Relay
from backorder.adapters.outbox.store import ConsumerStore
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain import events
from backorder.entrypoints.cli.relay import relay
from backorder.workflows.background import BackgroundServices
from tests.integration.outbox_helpers import (
    NatsServer,
    nats_server,  # noqa: F401  (fixture)
    record,
)


@pytest.mark.nats
def test_relay_once_publishes_what_is_waiting_and_exits(
    tmp_path: Path,
    nats_server: NatsServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    application = bootstrap(Settings(database_url=url, home=tmp_path))
    record(application, events.LineAllocated(1, "A", 1, date(2026, 12, 1)))
    monkeypatch.setenv("BACKORDER_DATABASE_URL", url)
    monkeypatch.setenv("BACKORDER_NATS_URL", nats_server.url)
    cli = typer.Typer()
    cli.command()(relay)

    result = CliRunner().invoke(cli, ["--once"])

    assert result.exit_code == 0, result.output
    assert "'nats': 1" in result.output
    assert len(nats_server.stream_messages("BACKORDER")) == 1
    assert ConsumerStore(application.engine, "nats").state().position == 1
    application.close()


def test_serving_processes_run_the_relay_in_the_background_unless_disabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=f"sqlite:///{(tmp_path / 'bg.db').as_posix()}", home=tmp_path)
    application = bootstrap(settings)
    monkeypatch.delenv("BACKORDER_NATS_URL", raising=False)
    monkeypatch.setenv("BACKORDER_RELAY_ENABLED", "false")
    background = BackgroundServices(application, dispatch=False)
    background.start_loops()
    assert not [loop for loop in background.loops if isinstance(loop, Relay)]
    background.stop_loops()

    monkeypatch.setenv("BACKORDER_RELAY_ENABLED", "true")
    background.start_loops()
    relays = [loop for loop in background.loops if isinstance(loop, Relay)]
    assert [w.name for w in relays[0].workers] == ["webhooks"]
    record(application, events.LineAllocated(1, "A", 1, date(2026, 12, 1)))
    deadline = time.monotonic() + 10
    while ConsumerStore(application.engine, "webhooks").state().position < 1:
        assert time.monotonic() < deadline, "the background relay did not move"
        time.sleep(0.02)
    background.stop_loops()
    assert ConsumerStore(application.engine, "webhooks").state().leader is None
    application.close()
