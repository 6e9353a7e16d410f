"""CSV export of the reference scenario: exact layouts, row counts, round trip."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Item,
    Period,
    Substitute,
    SubstitutionAcceptance,
    SupplyKind,
    Tier,
)
from backorder.scenario.reference import (
    OrderLineCancelled,
    OrderLineQuantityChanged,
    ReferenceScenario,
    write_csv,
)

HEADERS = {
    "items.csv": "sku,description,uom,unit_cost,list_price,product_line,item_group,supplier,"
    "order_multiple,safety_stock,substitutes",
    "locations.csv": "code,name,region",
    "lanes.csv": "origin,destination,lead_time_days,cost_per_unit",
    "suppliers.csv": "code,name,lead_time_days,edi_id,email",
    "customers.csv": "code,name,tier,region,home_location,ship_complete,substitution,"
    "notification_channel,email,contracts",
    "inventory.csv": "sku,location,on_hand",
    "purchase-orders.csv": "po_number,line_number,supplier,sku,location,quantity,expected_date,"
    "confirmation,unit_cost",
    "orders.csv": "order_id,line_number,line_id,customer,sku,quantity,requested_date,unit_price,"
    "unit_cost,ship_from,order_type,ordered_at",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def exported(small: ReferenceScenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference-csv")
    write_csv(small, out)
    return out


def test_headers_are_exactly_the_agreed_layout(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == sorted(HEADERS)
    for name, header in HEADERS.items():
        first = (exported / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == header, name


def test_row_counts(small: ReferenceScenario, exported: Path, tmp_path: Path) -> None:
    cancelled = {e.line_id for e in small.events if isinstance(e, OrderLineCancelled)}
    open_po = [s for s in small.initial_supply if s.kind is SupplyKind.PURCHASE_ORDER]
    expected = {
        "items.csv": 300,
        "locations.csv": 6,
        "lanes.csv": 30,
        "suppliers.csv": 20,
        "customers.csv": 60,
        "inventory.csv": 300 * 6,
        "purchase-orders.csv": len(open_po),
        "orders.csv": sum(1 for line in small.order_lines() if line.line_id not in cancelled),
    }
    assert {name: len(_rows(exported / name)) for name in HEADERS} == expected
    assert write_csv(small, tmp_path) == expected


def test_items_round_trip(small: ReferenceScenario, exported: Path) -> None:
    items = [
        Item(
            sku=row["sku"],
            description=row["description"],
            uom=row["uom"],
            unit_cost=float(row["unit_cost"]),
            list_price=float(row["list_price"]),
            product_line=row["product_line"],
            item_group=row["item_group"],
            substitutes=tuple(
                Substitute(sku, float(factor), accept == "yes")
                for sku, factor, accept in (
                    part.split(":") for part in row["substitutes"].split(";") if part
                )
            ),
            supplier=row["supplier"],
            order_multiple=int(row["order_multiple"]),
            safety_stock=int(row["safety_stock"]),
        )
        for row in _rows(exported / "items.csv")
    ]
    assert tuple(items) == small.items
    assert any("°" in item.description for item in items)  # UTF-8 survives


def test_customers_round_trip(small: ReferenceScenario, exported: Path) -> None:
    customers = tuple(
        Customer(
            code=row["code"],
            name=row["name"],
            tier=Tier(row["tier"]),
            region=row["region"],
            home_location=row["home_location"],
            contracts=tuple(
                ContractCommitment(sku, int(qty), Period(period))
                for sku, qty, period in (
                    part.split(":") for part in row["contracts"].split(";") if part
                )
            ),
            ship_complete=row["ship_complete"] == "yes",
            substitution=SubstitutionAcceptance(row["substitution"]),
            notification_channel=row["notification_channel"],
            email=row["email"],
        )
        for row in _rows(exported / "customers.csv")
    )
    assert customers == small.customers


def test_master_and_opening_state_round_trip(small: ReferenceScenario, exported: Path) -> None:
    locations = [(r["code"], r["name"], r["region"]) for r in _rows(exported / "locations.csv")]
    assert locations == [(loc.code, loc.name, loc.region) for loc in small.locations]
    lanes = [
        (r["origin"], r["destination"], int(r["lead_time_days"]), float(r["cost_per_unit"]))
        for r in _rows(exported / "lanes.csv")
    ]
    assert lanes == [
        (lane.origin, lane.destination, lane.lead_time_days, lane.cost_per_unit)
        for lane in small.lanes
    ]
    suppliers = [
        (r["code"], r["name"], int(r["lead_time_days"]), r["edi_id"], r["email"])
        for r in _rows(exported / "suppliers.csv")
    ]
    assert suppliers == [
        (s.code, s.name, s.lead_time_days, s.edi_id, s.email) for s in small.suppliers
    ]
    stock = {
        (r["sku"], r["location"]): int(r["on_hand"]) for r in _rows(exported / "inventory.csv")
    }
    assert stock == {
        (s.sku, s.location): s.quantity
        for s in small.initial_supply
        if s.kind is SupplyKind.ON_HAND
    }
    cost = {item.sku: item.unit_cost for item in small.items}
    pos = {
        f"{r['po_number']}/{r['line_number']}": (
            r["supplier"],
            r["sku"],
            r["location"],
            int(r["quantity"]),
            date.fromisoformat(r["expected_date"]),
            r["confirmation"],
            float(r["unit_cost"]),
        )
        for r in _rows(exported / "purchase-orders.csv")
    }
    assert pos == {
        s.source_id: (
            s.supplier,
            s.sku,
            s.location,
            s.quantity,
            s.available_date,
            s.confirmation.value,
            cost[s.sku],
        )
        for s in small.initial_supply
        if s.kind is SupplyKind.PURCHASE_ORDER
    }


def test_orders_of_the_first_days_as_they_stand(small: ReferenceScenario, tmp_path: Path) -> None:
    days = 7
    write_csv(small, tmp_path, order_days=days)
    rows = _rows(tmp_path / "orders.csv")
    cutoff = datetime.combine(small.spec.start, datetime.min.time()) + timedelta(days=days)
    placed = {
        line.line_id: line
        for line in small.order_lines()
        if line.ordered_at is not None and line.ordered_at < cutoff
    }
    changed = {
        e.line_id: e.quantity
        for e in small.events
        if isinstance(e, OrderLineQuantityChanged) and e.at < cutoff
    }
    gone = {e.line_id for e in small.events if isinstance(e, OrderLineCancelled) and e.at < cutoff}
    assert {int(r["line_id"]) for r in rows} == set(placed) - gone
    for row in rows:
        line = placed[int(row["line_id"])]
        assert row["order_id"] == line.order_id
        assert row["customer"] == line.customer
        assert int(row["quantity"]) == changed.get(line.line_id, line.quantity)
        assert date.fromisoformat(row["requested_date"]) == line.requested_date
        assert float(row["unit_price"]) == line.unit_price
        assert float(row["unit_cost"]) == line.unit_cost
        assert row["ship_from"] == line.ship_from
        assert row["order_type"] == line.order_type
        assert datetime.fromisoformat(row["ordered_at"]) == line.ordered_at
    numbers: dict[str, list[int]] = {}
    for row in rows:
        numbers.setdefault(row["order_id"], []).append(int(row["line_number"]))
    assert all(ns == sorted(set(ns)) and ns[0] >= 1 for ns in numbers.values())
