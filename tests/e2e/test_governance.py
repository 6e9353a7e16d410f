"""API governance on a real app: rate limits, body size limits, deprecation headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.entrypoints.api import governance
from backorder.entrypoints.api.deps import Anyone
from backorder.service_layer.access import Role, create_api_key
from backorder.service_layer.clock import FixedClock
from tests.e2e.integration_app import full_app


@pytest.fixture
def application(tmp_path: Path, clock: FixedClock) -> Iterator[Application]:
    """An application on SQLite (governance does not touch the database)."""
    url = f"sqlite:///{(tmp_path / 'backorder.db').as_posix()}"
    app = bootstrap(Settings(database_url=url, home=tmp_path), clock=clock)
    yield app
    app.close()


def client(application: Application, **limits: float) -> TestClient:
    """The full API with governance configured by `limits` (Settings field overrides)."""
    app = full_app(application, govern=False)

    @app.get("/v1/test/deprecated-model", tags=["test"])
    @governance.deprecated(
        since=date(2026, 1, 1), sunset=date(2026, 7, 1), successor="/v2/test/model"
    )
    def old_model(_: Anyone) -> dict[str, str]:
        """A deprecated route returning a model."""
        return {"status": "old"}

    @app.get("/v1/test/deprecated-response", tags=["test"])
    @governance.deprecated(since=date(2026, 1, 1), sunset=date(2026, 7, 1))
    def old_response(_: Anyone) -> JSONResponse:
        """A deprecated route returning its own response."""
        return JSONResponse({"status": "old"})

    # The same in a router included under a prefix, as every real route is.
    included = APIRouter()

    @included.get("/test/deprecated-included", tags=["test"])
    @governance.deprecated(since=date(2026, 1, 1), sunset=date(2026, 8, 1))
    def old_included(_: Anyone) -> dict[str, str]:
        """A deprecated route of an included router."""
        return {"status": "old"}

    app.include_router(included, prefix="/v1")
    governance.install(app, application.settings.model_copy(update=limits))
    return TestClient(app, raise_server_exceptions=False)


def bearer(application: Application, role: Role = Role.VIEWER) -> dict[str, str]:
    """Authorization header of a new key."""
    return {"Authorization": f"Bearer {create_api_key(application.context, role, 'x', 'test')}"}


def test_each_key_has_its_own_bucket(application: Application) -> None:
    # One token per 100 s: a slow machine taking seconds per request changes nothing.
    api = client(application, api_rate_limit_per_second=0.01, api_rate_limit_burst=3)
    first, second = bearer(application), bearer(application)
    codes = [api.get("/v1/items", headers=first).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api.get("/v1/items", headers=first)
    assert refused.headers["content-type"] == "application/problem+json"
    assert 95 <= int(refused.headers["Retry-After"]) <= 100  # a hundredth of a token per second
    assert refused.json()["title"] == "Too many requests"
    assert api.get("/v1/items", headers=second).status_code == 200
    assert all(api.get("/v1/health").status_code == 200 for _ in range(10))


def test_a_large_body_is_refused_before_it_is_read(application: Application) -> None:
    api = client(application, api_max_body_bytes=1024)
    big = b"x" * 2000
    # Refused on Content-Length alone: before authentication, before the body is read.
    declared = api.post("/v1/orders", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:
        yield from (big[i : i + 100] for i in range(0, len(big), 100))

    streamed = api.post("/v1/edi/inbound", content=chunks(), headers=bearer(application))
    assert streamed.status_code == 413
    small = api.post("/v1/items", json=[{"sku": "A"}], headers=bearer(application, Role.ADMIN))
    assert small.status_code == 201


def test_deprecated_routes_say_so_whatever_they_return(application: Application) -> None:
    api = client(application)
    for path in ("/v1/test/deprecated-model", "/v1/test/deprecated-response"):
        response = api.get(path, headers=bearer(application))
        assert response.status_code == 200
        assert response.headers["Deprecation"] == "@1767225600"  # 2026-01-01T00:00:00Z
        assert response.headers["Sunset"] == "Wed, 01 Jul 2026 00:00:00 GMT"
    model = api.get("/v1/test/deprecated-model", headers=bearer(application))
    assert model.headers["Link"] == '</v2/test/model>; rel="successor-version"'
    assert "Deprecation" not in api.get("/v1/items", headers=bearer(application)).headers
    paths = api.get("/openapi.json").json()["paths"]
    operation = paths["/v1/test/deprecated-model"]["get"]
    assert (operation["deprecated"], operation["x-sunset"]) == (True, "2026-07-01")
    included = paths["/v1/test/deprecated-included"]["get"]
    assert (included["deprecated"], included["x-sunset"]) == (True, "2026-08-01")
    response = api.get("/v1/test/deprecated-included", headers=bearer(application))
    assert response.headers["Sunset"] == "Sat, 01 Aug 2026 00:00:00 GMT"
