"""Application factory for `uvicorn` (`backorder serve` and multi-worker deployments)."""

from __future__ import annotations

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
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        dispatcher: Dispatcher | None = None
        if application.settings.workflows:
            runtime.start(application)
            dispatcher = Dispatcher(application.context)
            dispatcher.start()
        try:
            yield
        finally:
            if dispatcher is not None:
                dispatcher.stop()
                runtime.stop()
            application.close()

    return create_app(application, lifespan=lifespan)
