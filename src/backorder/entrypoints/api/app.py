"""The FastAPI application: `/v1` routes, OpenAPI at `/docs` and `/openapi.json`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from backorder import __version__, web
from backorder.bootstrap import Application
from backorder.entrypoints.api import governance, problems
from backorder.entrypoints.api.routes import (
    allocation,
    cases,
    edi,
    events,
    finance,
    inbound,
    kpis,
    master,
    orders,
    replenishment,
    risk,
    supply,
    tasks,
    warehouse,
)
from backorder.service_layer.group_commit import IntakeQueue

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(application: Application, lifespan: Lifespan | None = None) -> FastAPI:
    """An API bound to a wired application (engine, policy, clock)."""
    app = FastAPI(
        lifespan=lifespan,
        title="backorder",
        version=__version__,
        description=(
            "Backorder orchestration for distributors: explainable allocation, promise dates, "
            "backorders. Authenticate with `Authorization: Bearer <API key>`; POST requests "
            "honour an `Idempotency-Key` header; errors are RFC 9457 problem details."
        ),
    )
    app.state.context = application.context
    app.state.application = application
    app.state.intake = IntakeQueue(application.context)
    problems.install(app)
    routers = (master, orders, supply, allocation, replenishment, warehouse, finance, events)
    for module in (*routers, kpis, risk, cases, tasks, inbound, edi):
        app.include_router(module.router, prefix="/v1")
    events.install(app)  # GET /metrics
    app.include_router(web.router)  # the dashboard at / and its static files

    @app.get("/v1/health", tags=["operations"])
    def health() -> dict[str, str]:
        """Liveness: the process answers (no authentication)."""
        return {"status": "ok", "version": __version__}

    governance.install(app, application.settings)  # rate limits, body size, deprecation
    return app
