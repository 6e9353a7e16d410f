"""Application factory for `uvicorn` (`backorder serve` and multi-worker deployments)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backorder.bootstrap import bootstrap
from backorder.entrypoints.api.app import create_app
from backorder.logging import configure_logging
from backorder.workflows import runtime
from backorder.workflows.dispatcher import Dispatcher


def create_default_app() -> FastAPI:
    """The API wired from the environment (`BACKORDER_*` settings).

    With `BACKORDER_WORKFLOWS` on (the default) this process also runs the backorder
    case workflows and the dispatcher that opens and wakes them.
    """
    application = bootstrap()
    configure_logging(application.settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher: Dispatcher | None = None
        if application.settings.workflows:
            # DBOS launches (and registers its queue) outside the server's event loop.
            await asyncio.to_thread(runtime.start, application)
            dispatcher = Dispatcher(application.context)
            dispatcher.start()
        try:
            yield
        finally:
            await asyncio.to_thread(app.state.intake.close)
            if dispatcher is not None:
                dispatcher.stop()
                await asyncio.to_thread(runtime.stop)
            application.close()

    return create_app(application, lifespan=lifespan)
