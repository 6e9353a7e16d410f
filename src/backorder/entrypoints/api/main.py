"""Application factory for `uvicorn` (`backorder serve` and multi-worker deployments)."""

from __future__ import annotations

from fastapi import FastAPI

from backorder.bootstrap import bootstrap
from backorder.entrypoints.api.app import create_app
from backorder.logging import configure_logging


def create_default_app() -> FastAPI:
    """The API wired from the environment (`BACKORDER_*` settings)."""
    application = bootstrap()
    configure_logging(application.settings)
    return create_app(application)
