"""Application factory for `uvicorn` (`backorder serve` and multi-worker deployments)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backorder.bootstrap import bootstrap
from backorder.entrypoints.api.app import create_app
from backorder.entrypoints.api.warmup import start_warm_up
from backorder.logging import configure_logging
from backorder.workflows.background import BackgroundServices

WARM_UP_GRACE_SECONDS = 10.0  # a shutdown waits this long for the KPI warm-up to finish


def create_default_app() -> FastAPI:
    """The API wired from the environment (`BACKORDER_*` settings).

    With `BACKORDER_WORKFLOWS` on (the default) this process also runs the backorder
    case workflows and their background loops (`workflows.background`).
    """
    application = bootstrap()
    configure_logging(application.settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        background = BackgroundServices(application) if application.settings.workflows else None
        if background is not None:
            # DBOS launches (and registers its queue) outside the server's event loop.
            await asyncio.to_thread(background.start)
        warm_up = start_warm_up(application)
        try:
            yield
        finally:
            await asyncio.to_thread(warm_up.join, WARM_UP_GRACE_SECONDS)
            await asyncio.to_thread(app.state.intake.close)
            if background is not None:
                await asyncio.to_thread(background.stop)
            application.close()

    return create_app(application, lifespan=lifespan)
