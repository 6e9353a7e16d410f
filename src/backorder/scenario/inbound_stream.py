"""A deterministic stream of canonical inbound messages, for benchmarks and crash tests.

`seed_world` stores a small distributor (two DCs, items with plenty of stock, customers, one
open purchase-order line per item); `message_stream` yields JSON-ready messages — mostly new
orders, with quantity changes, cancellations, shipments, stock adjustments and receipts —
built so that every message applies, and `expected_totals` says what the database must hold
once a prefix of the stream was applied exactly once (the check for lost or doubled effects).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from backorder.adapters import orm
from backorder.domain.model import Customer, Item, Location, Supplier, TransferLane
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import master, purchasing, supply

LOCATIONS = ("EAST", "WEST")
STOCK = 1_000_000  # per item and DC: nothing runs out, so every message applies
PO_QUANTITY = 10_000_000
# A change, cancellation or shipment refers to an order created this many messages earlier:
# after a crash, redelivered messages may come after newer ones, and the order must exist.
LOOKBACK = 3000
ORDERED = 5  # units per order line


@dataclass(frozen=True)
class World:
    """What `seed_world` stored."""

    skus: tuple[str, ...]
    customers: tuple[str, ...]
    today: date

    def home(self, customer_index: int) -> str:
        """The DC a customer's orders ship from."""
        return LOCATIONS[customer_index % len(LOCATIONS)]


def seed_world(ctx: ServiceContext, items: int = 300, customers: int = 40) -> World:
    """Store master data, stock and one open PO line per item."""
    actor = "inbound-stream"
    master.save_locations(ctx, [Location("EAST", "east"), Location("WEST", "west")], actor)
    master.save_lanes(
        ctx, [TransferLane("EAST", "WEST", 3), TransferLane("WEST", "EAST", 3)], actor
    )
    master.save_suppliers(ctx, [Supplier("SUP", "Supplier", 14)], actor)
    skus = tuple(f"IT-{n:05d}" for n in range(items))
    master.save_items(ctx, [Item(sku, list_price=10.0, unit_cost=6.0) for sku in skus], actor)
    codes = tuple(f"CU-{n:03d}" for n in range(customers))
    master.save_customers(
        ctx,
        [
            Customer(code, region=LOCATIONS[n % 2].lower(), home_location=LOCATIONS[n % 2])
            for n, code in enumerate(codes)
        ],
        actor,
    )
    levels = [supply.StockLevel(sku, dc, STOCK) for sku in skus for dc in LOCATIONS]
    supply.set_stock(ctx, levels, actor, reallocate=False)
    today = ctx.clock.today()
    purchasing.create_purchase_orders(
        ctx,
        [
            purchasing.PurchaseOrderInput(
                f"PO-{sku}",
                "SUP",
                (
                    purchasing.PurchaseOrderLineInput(
                        sku, LOCATIONS[n % 2], PO_QUANTITY, today + timedelta(days=30)
                    ),
                ),
            )
            for n, sku in enumerate(skus)
        ],
        actor,
        reallocate=False,
    )
    return World(skus, codes, today)


@dataclass
class _Order:
    position: int
    order_id: str
    customer: int
    skus: list[str]
    fate: float  # decides the follow-up: shipment, quantity change or cancellation


def _envelope(position: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": f"msg-{position:09d}",
        "type": kind,
        "source": "erp-bench",
        "data": data,
    }


def message_stream(
    world: World, count: int, seed: int = 7, lookback: int = LOOKBACK
) -> Iterator[dict[str, Any]]:
    """`count` messages; the same arguments always give the same stream.

    About 45% new orders, 45% follow-ups of orders created `lookback` messages earlier (80%
    of orders ship in full, 12% change a quantity, 8% cancel a line), 7% stock adjustments
    and 3% goods receipts. Orders that ship leave the backlog, so it stays bounded.
    """
    rng = random.Random(seed)
    waiting: deque[_Order] = deque()
    created = 0
    for position in range(count):
        roll = rng.random()
        due = bool(waiting) and waiting[0].position <= position - lookback
        if roll < 0.07:
            yield _envelope(
                position,
                "inventory.adjusted.v1",
                {
                    "sku": rng.choice(world.skus),
                    "location": rng.choice(LOCATIONS),
                    "delta": rng.choice((-3, -1, 2, 4, 10)),
                    "reason": "cycle count",
                },
            )
        elif roll < 0.10:
            sku = rng.choice(world.skus)
            yield _envelope(
                position,
                "goods.received.v1",
                {"po_number": f"PO-{sku}", "lines": [{"line_number": 1, "quantity": 7}]},
            )
        elif roll < 0.55 and due:
            yield _follow_up(position, waiting.popleft(), world)
        else:
            customer = rng.randrange(len(world.customers))
            skus = [rng.choice(world.skus) for _ in range(rng.randint(1, 3))]
            order = _Order(position, f"SO-{created:08d}", customer, skus, rng.random())
            created += 1
            waiting.append(order)
            yield _envelope(
                position,
                "order.created.v1",
                {
                    "order_id": order.order_id,
                    "customer": world.customers[customer],
                    "lines": [
                        {
                            "sku": sku,
                            "quantity": ORDERED,
                            "requested_date": (
                                world.today + timedelta(days=rng.randint(1, 20))
                            ).isoformat(),
                            "unit_price": 10.0,
                        }
                        for sku in skus
                    ],
                },
            )


def _follow_up(position: int, order: _Order, world: World) -> dict[str, Any]:
    if order.fate < 0.12:
        return _envelope(
            position,
            "order_line.quantity_changed.v1",
            {"order_id": order.order_id, "line_number": 1, "quantity": ORDERED - 2},
        )
    if order.fate < 0.20:
        return _envelope(
            position,
            "order_line.cancelled.v1",
            {"order_id": order.order_id, "line_number": 1, "reason": "customer"},
        )
    return _envelope(
        position,
        "shipment.confirmed.v1",
        {
            "shipment_id": f"SH-{position}",
            "order_id": order.order_id,
            "location": world.home(order.customer),
            "lines": [
                {"line_number": number, "quantity": ORDERED}
                for number in range(1, len(order.skus) + 1)
            ],
        },
    )


def expected_totals(messages: list[dict[str, Any]]) -> dict[str, int]:
    """What applying `messages` exactly once leaves, as totals over the whole database."""
    totals = {
        "orders": 0,
        "order_lines": 0,
        "ordered_units": 0,
        "cancelled_lines": 0,
        "shipped_units": 0,
        "received_units": 0,
        "stock_delta": 0,
    }
    for message in messages:
        data = message["data"]
        kind = message["type"]
        if kind == "order.created.v1":
            totals["orders"] += 1
            totals["order_lines"] += len(data["lines"])
            totals["ordered_units"] += sum(line["quantity"] for line in data["lines"])
        elif kind == "order_line.quantity_changed.v1":
            totals["ordered_units"] += data["quantity"] - ORDERED
        elif kind == "order_line.cancelled.v1":
            totals["cancelled_lines"] += 1
        elif kind == "shipment.confirmed.v1":
            units = sum(line["quantity"] for line in data["lines"])
            totals["shipped_units"] += units
            totals["stock_delta"] -= units
        elif kind == "inventory.adjusted.v1":
            totals["stock_delta"] += data["delta"]
        elif kind == "goods.received.v1":
            units = sum(line["quantity"] for line in data["lines"])
            totals["received_units"] += units
            totals["stock_delta"] += units
    return totals


def database_totals(connection: Connection, world: World) -> dict[str, int]:
    """The same totals as `expected_totals`, read from the database."""
    lines = orm.order_lines

    def scalar(query: Any) -> int:
        return int(connection.execute(query).scalar_one() or 0)

    on_hand = scalar(select(func.sum(orm.inventory.c.on_hand)))
    return {
        "orders": scalar(select(func.count()).select_from(orm.orders)),
        "order_lines": scalar(select(func.count()).select_from(lines)),
        "ordered_units": scalar(select(func.sum(lines.c.quantity))),
        "cancelled_lines": scalar(
            select(func.count()).select_from(lines).where(lines.c.status == "cancelled")
        ),
        "shipped_units": scalar(select(func.sum(orm.shipments.c.quantity))),
        "received_units": scalar(select(func.sum(orm.purchase_order_lines.c.received_quantity))),
        "stock_delta": on_hand - STOCK * len(world.skus) * len(LOCATIONS),
    }
