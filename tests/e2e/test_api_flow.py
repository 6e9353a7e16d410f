"""The whole flow over HTTP: master data, stock, POs, orders, backorders, runs, receipts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from backorder.service_layer.access import Role
from backorder.service_layer.clock import FixedClock
from tests.e2e.conftest import Api
from tests.integration.helpers import oversold


def _line(api: Api, line_id: int) -> dict[str, Any]:
    found: dict[str, Any] = api.ok("GET", f"/v1/order-lines/{line_id}")
    return found


def _backorders(api: Api, limit: int = 100, **filters: Any) -> list[int]:
    """Line ids of every page of the backorder list."""
    seen: list[int] = []
    params: dict[str, Any] = {"limit": limit, **filters}
    while True:
        page = api.ok("GET", "/v1/backorders", Role.VIEWER, params=params)
        assert len(page["items"]) <= limit
        seen.extend(item["line_id"] for item in page["items"])
        if page["next_cursor"] is None:
            return seen
        params["cursor"] = page["next_cursor"]


def _place(api: Api, clock: FixedClock, day: str, order_id: str, customer: str, sku: str,
           quantity: int) -> int:  # fmt: skip
    clock.set(date.fromisoformat(day))
    placed = api.ok("POST", "/v1/orders", Role.CSR, json={
        "order_id": order_id, "customer": customer,
        "lines": [{"sku": sku, "quantity": quantity, "requested_date": "2026-12-02",
                   "unit_price": 10}],
    })  # fmt: skip
    line_id: int = placed["lines"][0]["line_id"]
    return line_id


def test_the_whole_backorder_flow(api: Api, clock: FixedClock) -> None:
    api.seed()
    stock = {"levels": [{"sku": "A", "location": "EAST", "on_hand": 10}]}
    assert api.ok("PUT", "/v1/inventory", Role.WAREHOUSE, json=stock) == {"changed": 1}
    api.ok("POST", "/v1/purchase-orders", Role.BUYER, json={
        "po_number": "PO-1", "supplier": "ACME",
        "lines": [{"sku": "A", "location": "EAST", "quantity": 30, "expected_date": "2026-12-20"}],
    })  # fmt: skip

    # Orders are allocated at once: first come, first served from free supply.
    one = _place(api, clock, "2026-11-27", "SO-1", "C-STD", "A", 6)
    two = _place(api, clock, "2026-11-27", "SO-2", "C-STD", "A", 6)
    three = _place(api, clock, "2026-11-29", "SO-3", "C-WEST", "A", 5)
    four = _place(api, clock, "2026-12-01", "SO-4", "C-STR", "A", 8)
    five = _place(api, clock, "2026-12-01", "SO-5", "C-STD", "B", 3)
    facts = {i: _line(api, i) for i in (one, two, three, four, five)}
    assert [(f["status"], f["allocated_quantity"], f["backordered_quantity"], f["promise_date"])
            for f in facts.values()] == [
        ("allocated", 6, 0, "2026-12-02"),  # ready now, promised for the day asked
        ("allocated", 6, 2, "2026-12-20"),  # 4 on hand, 2 from PO-1: late
        ("allocated", 5, 5, "2026-12-23"),  # PO-1 at EAST plus the 3-day lane to WEST
        ("allocated", 8, 8, "2026-12-20"),
        ("backordered", 0, 3, None),  # no supply of B at all
    ]  # fmt: skip

    # The backorder list: filters, and pages that neither repeat nor skip a line.
    assert _backorders(api, limit=1) == [two, three, four, five]
    assert _backorders(api, limit=3, sku="A") == [two, three, four]
    assert _backorders(api, customer="C-WEST") == [three]
    assert _backorders(api, region="east") == [two, four, five]
    assert _backorders(api, status="backordered") == [five]
    assert _backorders(api, min_age_days=3) == [two]  # today is 2026-12-01
    assert _backorders(api, max_age_days=0) == [four, five]
    assert _backorders(api, min_age_days=1, max_age_days=2, as_of="2026-12-01") == [three]

    # A priority run: the strategic customer's line wins the stock on hand.
    run = api.ok("POST", "/v1/allocation-runs", Role.PLANNER, json={"solver": "priority"})
    assert (run["status"], run["solver"], run["policy"]) == ("completed", "priority", "default v1")
    assert run["summary"]["lines"] == 5
    assert _line(api, four)["promise_date"] == "2026-12-02"  # the requested date
    assert oversold(api.application) == {}
    why = api.ok("GET", f"/v1/order-lines/{two}/explanation", Role.CSR)
    assert why["rank"] is not None
    assert why["rule"].startswith("tier")
    assert why["text"].startswith(f"Line {two} (6 x A for EAST")
    assert f"ranks {why['rank']} of 4 lines for A" in why["text"]
    assert sum(p["quantity"] for p in why["pieces"]) == 6

    # The optimal solver reports its objective beside the priority result.
    optimal = api.ok("POST", "/v1/allocation-runs", Role.PLANNER, json={"solver": "optimal"})
    assert optimal["summary"]["objective"] >= optimal["summary"]["priority_objective"] - 1e-6
    assert oversold(api.application) == {}
    runs = api.ok("GET", "/v1/allocation-runs", Role.VIEWER)
    assert {r["run_id"] for r in runs} >= {run["run_id"], optimal["run_id"]}

    # ATP: what is left of PO-1 can be promised; nothing is reserved by asking.
    atp = api.ok("GET", "/v1/atp", Role.CSR, params={"item": "A", "qty": 5, "location": "EAST"})
    assert (atp["status"], atp["promise_date"], atp["short"]) == ("late", "2026-12-20", 0)
    assert [s["source_id"] for s in atp["sources"]] == ["PO-1/1"]
    assert atp == api.ok("GET", "/v1/atp", params={"item": "A", "qty": 5, "location": "EAST"})

    # A PO for B turns the backorder into a late allocation; the supplier confirms earlier.
    api.ok("POST", "/v1/purchase-orders", Role.BUYER, json={
        "po_number": "PO-2", "supplier": "ACME",
        "lines": [{"sku": "B", "location": "EAST", "quantity": 10, "expected_date": "2026-12-15"}],
    })  # fmt: skip
    assert (_line(api, five)["status"], _line(api, five)["promise_date"]) == (
        "allocated", "2026-12-15",
    )  # fmt: skip
    confirmed = api.ok(
        "POST", "/v1/purchase-orders/PO-2/lines/1/confirmation", Role.BUYER,
        json={"confirmed_date": "2026-12-12"},
    )  # fmt: skip
    assert confirmed["lines"][0]["confirmation"] == "confirmed"
    assert _line(api, five)["promise_date"] == "2026-12-12"

    # Goods arrive: the backordered line is allocated from stock, promised for the day asked.
    received = api.ok(
        "POST", "/v1/purchase-orders/PO-2/lines/1/receipts", Role.WAREHOUSE, json={"quantity": 10}
    )  # fmt: skip
    assert received["lines"][0]["received_quantity"] == 10
    after = _line(api, five)
    assert (after["status"], after["allocated_quantity"], after["backordered_quantity"]) == (
        "allocated", 3, 0,
    )  # fmt: skip
    assert (after["promise_date"], after["backordered_since"]) == ("2026-12-02", None)
    path = "/v1/purchase-orders/PO-1/lines/1/receipts"
    api.ok("POST", path, Role.WAREHOUSE, json={"quantity": 30})
    # Only the WEST customer's line is still late: its stock needs the 3-day lane from EAST.
    assert _backorders(api) == [three]
    assert _line(api, three)["promise_date"] == "2026-12-04"
    assert api.ok("GET", "/v1/inventory", params={"sku": "A"}) == [
        {"sku": "A", "location": "EAST", "on_hand": 40}
    ]
    assert oversold(api.application) == {}

    # Cancel a line and change another's quantity.
    cancelled = api.ok("POST", f"/v1/order-lines/{one}/cancel", Role.CSR, json={"reason": "dup"})
    assert (cancelled["status"], cancelled["allocated_quantity"]) == ("cancelled", 0)
    changed = api.ok("POST", f"/v1/order-lines/{three}/quantity", Role.CSR, json={"quantity": 2})
    assert (changed["quantity"], changed["allocated_quantity"]) == (2, 2)
    order = api.ok("GET", "/v1/orders/SO-1", Role.VIEWER)
    assert [line["status"] for line in order["lines"]] == ["cancelled"]
    assert oversold(api.application) == {}


def test_an_intake_allocation_is_explained_with_what_the_line_holds(api: Api) -> None:
    api.seed()
    stock = {"levels": [{"sku": "A", "location": "EAST", "on_hand": 4}]}
    api.ok("PUT", "/v1/inventory", json=stock)
    line = api.order("SO-1", "A", 6)["lines"][0]["line_id"]

    why = api.ok("GET", f"/v1/order-lines/{line}/explanation")

    assert "It holds 4: 4 of A at EAST" in why["text"]
    assert why["short"] == 2
    assert [(p["quantity"], p["sku"], p["location"]) for p in why["pieces"]] == [(4, "A", "EAST")]


def test_order_times_come_back_with_their_time_zone(api: Api) -> None:
    api.seed()
    api.order("SO-1", "A", 1)

    ordered_at = api.ok("GET", "/v1/orders/SO-1")["ordered_at"]

    assert datetime.fromisoformat(ordered_at) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
