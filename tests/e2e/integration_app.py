"""The API with the integration routes and governance, as `create_app` wires them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backorder.bootstrap import Application
from backorder.entrypoints.api import governance
from backorder.entrypoints.api.app import create_app
from tests.e2e.conftest import Api


def full_app(application: Application, *, govern: bool = True) -> FastAPI:
    """`create_app` (integration routes and governance included), or without governance."""
    app = create_app(application)
    if not govern:
        app.user_middleware = [
            m
            for m in app.user_middleware
            if m.cls
            not in (governance.RateLimit, governance.BodySizeLimit, governance.DeprecationHeaders)
        ]
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
