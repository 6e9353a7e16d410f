"""An HTTP client on the API of a wired application, with one API key per role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backorder.bootstrap import Application
from backorder.entrypoints.api.app import create_app
from backorder.service_layer.access import Role, create_api_key

TODAY = "2026-11-27"


class Api:
    """Requests as a role (each role gets its own key on first use)."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.client = TestClient(create_app(application), raise_server_exceptions=False)
        self._keys: dict[Role, str] = {}

    def key(self, role: Role) -> str:
        """The API key of a role."""
        if role not in self._keys:
            self._keys[role] = create_api_key(
                self.application.context, role.value, f"e2e {role.value}", actor="e2e"
            )
        return self._keys[role]

    def call(
        self,
        method: str,
        path: str,
        role: Role | None = Role.ADMIN,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request; `role=None` sends no key."""
        sent = dict(headers or {})
        if role is not None:
            sent["Authorization"] = f"Bearer {self.key(role)}"
        return self.client.request(method, path, json=json, params=params, headers=sent)

    def ok(self, method: str, path: str, role: Role = Role.ADMIN, **kwargs: Any) -> Any:
        """The JSON body of a request that must succeed."""
        response = self.call(method, path, role, **kwargs)
        assert response.is_success, (response.status_code, response.text)
        return response.json()

    def seed(self) -> None:
        """Master data: two DCs with lanes, a supplier, items A, B, C and three customers."""
        self.ok("POST", "/v1/locations", json=[
            {"code": "EAST", "name": "East DC", "region": "east"},
            {"code": "WEST", "name": "West DC", "region": "west"},
        ])  # fmt: skip
        self.ok("POST", "/v1/lanes", json=[
            {"origin": "EAST", "destination": "WEST", "lead_time_days": 3},
            {"origin": "WEST", "destination": "EAST", "lead_time_days": 3},
        ])  # fmt: skip
        self.ok("POST", "/v1/suppliers", json=[{"code": "ACME", "lead_time_days": 14}])
        self.ok("POST", "/v1/items", json=[
            {"sku": "A", "description": "bolt", "unit_cost": 4, "list_price": 10},
            {"sku": "B", "description": "nut", "unit_cost": 1, "list_price": 3},
            {"sku": "C", "description": "screw"},
        ])  # fmt: skip
        self.ok("POST", "/v1/customers", json=[
            {"code": "C-STD", "tier": "standard", "region": "east", "home_location": "EAST"},
            {"code": "C-STR", "tier": "strategic", "region": "east", "home_location": "EAST"},
            {"code": "C-WEST", "tier": "standard", "region": "west", "home_location": "WEST"},
        ])  # fmt: skip

    def order(
        self, order_id: str, sku: str, quantity: int, *, customer: str = "C-STD", **line: Any
    ) -> dict[str, Any]:
        """Place a one-line order (requested in three days unless given) and return it."""
        body = {
            "order_id": order_id,
            "customer": customer,
            "lines": [{"sku": sku, "quantity": quantity, "requested_date": "2026-11-30"} | line],
        }
        placed: dict[str, Any] = self.ok("POST", "/v1/orders", json=body)
        return placed


@pytest.fixture
def api(application: Application) -> Iterator[Api]:
    """The API of the application under test (both backends)."""
    api = Api(application)
    with api.client:
        yield api
