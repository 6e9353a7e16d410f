"""`backorder worker`: run backorder case workflows (DBOS) and the case dispatcher, no API."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import structlog
import typer

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.logging import configure_logging
from backorder.workflows.background import BackgroundServices

log = structlog.get_logger(__name__)


def worker(
    dispatch: Annotated[
        bool, typer.Option(help="Also open and wake cases from new events (one process only).")
    ] = True,
    interval: Annotated[float, typer.Option(min=0.05, help="Dispatcher poll interval, s.")] = 0.2,
) -> None:
    """Run case workflows until stopped (SIGINT/SIGTERM); recovers unfinished cases first."""
    settings = Settings()
    configure_logging(settings)
    application = bootstrap(settings)
    if settings.is_sqlite:
        log.info(
            "worker_on_sqlite",
            note="SQLite allows one workflow process: run the API with BACKORDER_WORKFLOWS=false",
        )
    background = BackgroundServices(application, dispatch=dispatch, dispatch_interval=interval)
    background.start()
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    log.info("worker_started", dispatch=dispatch)
    typer.echo("backorder worker running (Ctrl-C to stop)", err=True)
    stopped.wait()
    background.stop()
    application.close()
