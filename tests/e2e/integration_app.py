"""The API with the integration routes and governance installed, as app.py will wire them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backorder.bootstrap import Application
from backorder.entrypoints.api import governance
from backorder.entrypoints.api.app import create_app
from backorder.entrypoints.api.routes import edi, inbound
from tests.e2e.conftest import Api


def full_app(application: Application, *, govern: bool = True) -> FastAPI:
    """`create_app` plus the inbound and EDI routes (unless it has them) and governance."""
    app = create_app(application)
    paths = {getattr(route, "path", None) for route in app.routes}
    for module in (inbound, edi):
        if not any(f"/v1{route.path}" in paths for route in module.router.routes):  # type: ignore[attr-defined]
            app.include_router(module.router, prefix="/v1")
    if govern and not any(m.cls is governance.RateLimit for m in app.user_middleware):
        governance.install(app, application.settings)
    return app


class IntegrationApi(Api):
    """`Api` on the full app."""

    def __init__(self, application: Application, *, govern: bool = True) -> None:
        super().__init__(application)
        self.client = TestClient(
            full_app(application, govern=govern), raise_server_exceptions=False
        )


@pytest.fixture
def integration_api(application: Application) -> Iterator[IntegrationApi]:
    """The full API of the application under test (both backends)."""
    api = IntegrationApi(application)
    with api.client:
        yield api
