"""`backorder relay`: publish the outbox to NATS JetStream and deliver webhooks.

Run as many as you like: one leads each destination, the others stand by. `backorder
serve` and `backorder worker` run the same relay on background threads
(`workflows.background`) unless BACKORDER_RELAY_ENABLED=false.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console

from backorder.adapters.outbox.relay import build_relay
from backorder.adapters.outbox.settings import RelaySettings
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.logging import configure_logging

console = Console(stderr=True)


def relay(
    once: Annotated[
        bool, typer.Option("--once", help="Relay what is waiting now, then exit.")
    ] = False,
) -> None:
    """Relay outbox events to NATS JetStream (BACKORDER_NATS_URL) and to webhooks."""
    settings = Settings()
    configure_logging(settings)
    relay_settings = RelaySettings()
    application = bootstrap(settings)
    runner = build_relay(application.engine, relay_settings)
    targets = ["webhooks"] + ([relay_settings.nats_url] if relay_settings.nats_url else [])
    try:
        if once:
            done = runner.drain()
            console.print(f"relayed: {done}")
            return
        console.print(f"relaying the outbox to {', '.join(targets)} (Ctrl-C stops)")
        stop = threading.Event()

        def _stop(signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        runner.run(stop)
    finally:
        runner.stop()
        application.close()
