"""Acceptance: no oversell, ever — 50 concurrent orders for 100 units over real HTTP.

The API runs in uvicorn on a free port (a background thread: its worker threads run the
handlers concurrently); 50 client threads fire their orders together through httpx.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from starlette.types import ASGIApp, Receive, Scope, Send

from backorder.adapters import orm
from backorder.bootstrap import Application
from backorder.domain.model import Customer, Item, Location
from backorder.entrypoints.api.app import create_app
from backorder.service_layer.access import create_api_key
from backorder.service_layer.handlers.master import save_customers, save_items, save_locations
from backorder.service_layer.handlers.supply import StockLevel, set_stock
from tests.integration.helpers import oversold

CLIENTS = 50
UNITS_EACH = 5
ON_HAND = 100


class InFlight:
    """ASGI wrapper counting requests in progress at once (proof that they overlapped)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.active, self.peak = app, 0, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, counting it while it runs."""
        self.active += 1  # the event loop is one thread: no lock needed
        self.peak = max(self.peak, self.active)
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Run `app` with uvicorn on a free local port; yields its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", backlog=CLIENTS * 2)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        listener.close()


def _arrange(application: Application) -> str:
    ctx = application.context
    save_locations(ctx, [Location("EAST", "east")], "test")
    save_items(ctx, [Item("HOT")], "test")
    save_customers(ctx, [Customer("C-1", region="east", home_location="EAST")], "test")
    set_stock(ctx, [StockLevel("HOT", "EAST", ON_HAND)], "test")
    return create_api_key(ctx, "integration", "load test", "test")


@pytest.mark.slow
def test_fifty_concurrent_orders_for_a_hundred_units_never_oversell(
    application: Application,
) -> None:
    key = _arrange(application)
    start = threading.Barrier(CLIENTS)

    def place(client: httpx.Client, number: int) -> httpx.Response:
        start.wait(timeout=30)
        return client.post(
            "/v1/orders",
            json={
                "order_id": f"RUSH-{number:02d}",
                "customer": "C-1",
                "lines": [{"sku": "HOT", "quantity": UNITS_EACH, "requested_date": "2026-11-30"}],
            },
        )

    app = InFlight(create_app(application))
    with (
        serving(app) as url,
        httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=120,
            limits=httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS),
        ) as client,
        ThreadPoolExecutor(CLIENTS) as pool,
    ):
        responses = list(pool.map(lambda n: place(client, n), range(CLIENTS)))

    assert [r.status_code for r in responses] == [201] * CLIENTS, [
        r.text for r in responses if r.status_code != 201
    ]
    assert app.peak >= 10, f"requests did not overlap (peak {app.peak})"
    lines = [r.json()["lines"][0] for r in responses]
    assert sorted(line["allocated_quantity"] for line in lines) == [0] * 30 + [UNITS_EACH] * 20
    with application.engine.connect() as connection:
        allocated = connection.execute(select(func.sum(orm.allocations.c.quantity))).scalar_one()
        per_line, short, stored = connection.execute(
            select(
                func.sum(orm.order_lines.c.allocated_quantity),
                func.sum(orm.order_lines.c.backordered_quantity),
                func.count(func.distinct(orm.order_lines.c.order_id)),
            )
        ).one()
    assert (allocated, per_line, short, stored) == (ON_HAND, ON_HAND, 150, CLIENTS)
    assert oversold(application) == {}
