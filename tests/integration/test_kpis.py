"""KPIs and process intelligence on both backends, over a small world stored row by row.

The world is written straight into the tables the KPIs read (orders, shipments, promise
history, purchase orders, audit, cases, tasks, finance), so every expected number below
can be worked out by hand from `build_world`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, insert

from backorder.adapters import orm
from backorder.analytics import snapshot
from backorder.analytics.backlog import backlog
from backorder.analytics.filters import KpiFilter
from backorder.analytics.kpis import fill_rates
from backorder.bootstrap import Application
from backorder.entrypoints.api.app import create_app
from backorder.service_layer.access import Role, create_api_key

PERIOD = KpiFilter(date(2026, 11, 1), date(2026, 11, 27))  # the clock's today is 11-27
INTAKE = "allocated at order intake"


def at(month: int, day: int, hour: int = 0) -> datetime:
    """A UTC instant in 2026."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _line(line_id: int, order_id: str, customer: str, sku: str, **values: Any) -> dict[str, Any]:
    row = {
        "line_id": line_id,
        "order_id": order_id,
        "line_number": line_id,
        "customer": customer,
        "sku": sku,
        "shipped_quantity": 0,
        "promise_date": None,
        "intake_promise_date": None,
        "unit_price": 5.0,
        "unit_cost": 2.0,
        "ship_from": None,
        "order_type": "standard",
        "ordered_at": at(10, 1),
        "status": "open",
        "allocated_quantity": 0,
        "backordered_quantity": 0,
        "backordered_since": None,
        "updated_at": at(11, 1),
    }
    return row | values


def _task(task_id: int, team: str, kind: str, opened: datetime, due: datetime, **values: Any):  # type: ignore[no-untyped-def]
    return {
        "task_id": task_id,
        "case_id": None,
        "cause": f"cause-{task_id}",
        "task_type": kind,
        "team": team,
        "severity": "normal",
        "status": "open",
        "owner": None,
        "subject": kind,
        "detail": "",
        "opened_at": opened,
        "due_at": due,
        "claimed_at": None,
        "resolved_at": None,
        "resolution": None,
        "escalation_level": 0,
        "breached": False,
        "touches": 0,
    } | values


def build_world(connection: Connection) -> None:
    """Two DCs, items A (ACME) and B (BETA), customers C1 (east) and C2 (west), and what
    happened to six order lines, three PO lines, two cases and four tasks."""
    x = connection.execute
    x(insert(orm.locations), [
        {"code": "EAST", "name": "East", "region": "east"},
        {"code": "WEST", "name": "West", "region": "west"},
    ])  # fmt: skip
    x(insert(orm.suppliers), [
        {"code": "ACME", "name": "Acme Corp", "lead_time_days": 10},
        {"code": "BETA", "name": "Beta Ltd", "lead_time_days": 20},
    ])  # fmt: skip
    x(insert(orm.items), [
        {"sku": "A", "description": "bolt", "product_line": "P1", "item_group": "G1",
         "supplier": "ACME", "list_price": 5.0},
        {"sku": "B", "description": "nut", "product_line": "P2", "item_group": "G2",
         "supplier": "BETA", "list_price": 10.0},
    ])  # fmt: skip
    x(insert(orm.customers), [
        {"code": "C1", "name": "One", "tier": "strategic", "region": "east",
         "home_location": "EAST"},
        {"code": "C2", "name": "Two", "tier": "standard", "region": "west",
         "home_location": "WEST"},
    ])  # fmt: skip
    x(insert(orm.orders), [
        {"order_id": o, "customer": c, "ordered_at": at(10, 1)}
        for o, c in (("O1", "C1"), ("O2", "C2"), ("O3", "C2"), ("O4", "C1"), ("O5", "C1"))
    ])  # fmt: skip
    x(insert(orm.order_lines), [
        _line(1, "O1", "C1", "A", quantity=10, requested_date=date(2026, 11, 10),
              shipped_quantity=10, status="shipped", promise_date=date(2026, 11, 9),
              intake_promise_date=date(2026, 11, 5)),
        _line(2, "O1", "C1", "B", quantity=5, requested_date=date(2026, 11, 10),
              shipped_quantity=5, status="shipped", promise_date=date(2026, 11, 12),
              intake_promise_date=date(2026, 11, 11)),
        _line(3, "O2", "C2", "A", quantity=4, requested_date=date(2026, 11, 20),
              shipped_quantity=2, backordered_quantity=2,
              backordered_since=date(2026, 11, 15), intake_promise_date=date(2026, 11, 18)),
        _line(4, "O3", "C2", "B", quantity=8, requested_date=date(2026, 12, 1),
              unit_price=10.0, backordered_quantity=8, backordered_since=date(2026, 10, 20)),
        _line(5, "O4", "C1", "A", quantity=3, requested_date=date(2026, 10, 15),
              shipped_quantity=3, status="shipped", promise_date=date(2026, 10, 14),
              intake_promise_date=date(2026, 10, 14)),
        _line(6, "O5", "C1", "A", quantity=1, requested_date=date(2026, 11, 25),
              status="cancelled"),
    ])  # fmt: skip
    x(insert(orm.shipments), [
        {"line_id": 1, "sku": "A", "location": "EAST", "quantity": 10,
         "shipped_on": date(2026, 11, 9), "requested_date": date(2026, 11, 10),
         "promise_date": date(2026, 11, 9)},
        {"line_id": 2, "sku": "B", "location": "EAST", "quantity": 5,
         "shipped_on": date(2026, 11, 12), "requested_date": date(2026, 11, 10),
         "promise_date": date(2026, 11, 12)},
        {"line_id": 3, "sku": "A", "location": "WEST", "quantity": 2,
         "shipped_on": date(2026, 11, 20), "requested_date": date(2026, 11, 20),
         "promise_date": None},
        {"line_id": 5, "sku": "A", "location": "EAST", "quantity": 3,
         "shipped_on": date(2026, 10, 14), "requested_date": date(2026, 10, 15),
         "promise_date": date(2026, 10, 14)},
    ])  # fmt: skip
    x(insert(orm.promise_history), [
        {"line_id": 1, "at": at(10, 1), "old_promise_date": None,
         "promise_date": date(2026, 11, 5), "reason": INTAKE},
        {"line_id": 1, "at": at(11, 5), "old_promise_date": date(2026, 11, 5),
         "promise_date": date(2026, 11, 9), "reason": "allocation run r1 (priority)"},
        {"line_id": 2, "at": at(10, 1), "old_promise_date": None,
         "promise_date": date(2026, 11, 11), "reason": INTAKE},
        {"line_id": 2, "at": at(11, 8), "old_promise_date": date(2026, 11, 11),
         "promise_date": date(2026, 11, 12), "reason": "allocation run r2 (priority)"},
        {"line_id": 3, "at": at(10, 1), "old_promise_date": None,
         "promise_date": date(2026, 11, 18), "reason": INTAKE},
        {"line_id": 3, "at": at(11, 15), "old_promise_date": date(2026, 11, 18),
         "promise_date": None, "reason": "allocation run r3 (priority)"},
        {"line_id": 5, "at": at(10, 1), "old_promise_date": None,
         "promise_date": date(2026, 10, 14), "reason": INTAKE},
    ])  # fmt: skip
    x(insert(orm.purchase_orders), [
        {"po_number": "P1", "supplier": "ACME", "created_at": at(11, 2, 8), "status": "open"},
        {"po_number": "P2", "supplier": "BETA", "created_at": at(11, 5), "status": "open"},
    ])  # fmt: skip
    x(insert(orm.purchase_order_lines), [
        {"source_id": "P1/1", "po_number": "P1", "line_number": 1, "sku": "A",
         "location": "EAST", "quantity": 10, "received_quantity": 10,
         "expected_date": date(2026, 11, 10), "confirmation": "confirmed",
         "acknowledged_at": at(11, 2, 20), "updated_at": at(11, 9, 10)},
        {"source_id": "P1/2", "po_number": "P1", "line_number": 2, "sku": "A",
         "location": "EAST", "quantity": 5, "received_quantity": 5,
         "expected_date": date(2026, 11, 12), "confirmation": "confirmed",
         "acknowledged_at": at(11, 3, 8), "updated_at": at(11, 15, 10)},
        {"source_id": "P2/1", "po_number": "P2", "line_number": 1, "sku": "B",
         "location": "WEST", "quantity": 8, "received_quantity": 0,
         "expected_date": date(2026, 11, 20), "confirmation": "unconfirmed",
         "acknowledged_at": None, "updated_at": at(11, 5)},
    ])  # fmt: skip
    x(insert(orm.audit_log), [
        {"at": at(11, 2, 8), "actor": "erp", "action": "purchase_order.created",
         "subject": "purchase-order/P1"},
        {"at": at(11, 2, 20), "actor": "edi", "action": "purchase_order.confirmed",
         "subject": "purchase-order/P1/1"},
        {"at": at(11, 3, 8), "actor": "edi", "action": "purchase_order.confirmed",
         "subject": "purchase-order/P1/2"},
        {"at": at(11, 4, 8), "actor": "edi", "action": "purchase_order.confirmed",
         "subject": "purchase-order/P1/2"},  # a second 855: latency counts the first
        {"at": at(11, 9, 10), "actor": "wms", "action": "purchase_order.received",
         "subject": "purchase-order/P1/1"},
        {"at": at(11, 5), "actor": "erp", "action": "purchase_order.created",
         "subject": "purchase-order/P2"},
        {"at": at(11, 20), "actor": "csr", "action": "order_line.cancelled",
         "subject": "order-line/6"},
    ])  # fmt: skip
    x(insert(orm.backorder_cases), [
        {"case_id": "case-3", "line_id": 3, "sku": "A", "customer": "C2",
         "state": "supplier_confirmed", "opened_at": at(11, 15), "updated_at": at(11, 18, 6)},
        {"case_id": "case-4", "line_id": 4, "sku": "B", "customer": "C2",
         "state": "awaiting_supply", "opened_at": at(11, 1), "updated_at": at(11, 1, 4)},
    ])  # fmt: skip
    x(insert(orm.case_history), [
        {"case_id": "case-3", "at": at(11, 15), "from_state": None, "to_state": "detected",
         "reason": "opened"},
        {"case_id": "case-3", "at": at(11, 15, 6), "from_state": "detected",
         "to_state": "awaiting_supply", "reason": "news"},
        {"case_id": "case-3", "at": at(11, 16, 6), "from_state": "awaiting_supply",
         "to_state": "replenishment_requested", "reason": "news"},
        {"case_id": "case-3", "at": at(11, 18, 6), "from_state": "replenishment_requested",
         "to_state": "supplier_confirmed", "reason": "news"},
        {"case_id": "case-4", "at": at(11, 1), "from_state": None, "to_state": "detected",
         "reason": "opened"},
        {"case_id": "case-4", "at": at(11, 1, 4), "from_state": "detected",
         "to_state": "awaiting_supply", "reason": "news"},
    ])  # fmt: skip
    x(insert(orm.tasks), [
        _task(1, "procurement", "unsourced_shortage", at(11, 3, 9), at(11, 3, 13),
              case_id="case-3", status="resolved", resolved_at=at(11, 3, 12),
              resolution="fixed", touches=2, owner="buyer"),
        _task(2, "procurement", "supplier_late", at(11, 10, 9), at(11, 10, 13),
              status="claimed", touches=1, owner="buyer"),
        _task(3, "customer_service", "promise_at_risk", at(11, 20, 9), at(11, 28, 9),
              case_id="case-4"),
        _task(4, "finance", "invoice_mismatch", at(10, 20, 9), at(10, 21, 9)),
    ])  # fmt: skip
    x(insert(orm.task_events), [
        {"task_id": 1, "at": at(11, 3, 9), "actor": "system", "action": "opened", "detail": ""},
        {"task_id": 2, "at": at(11, 10, 9), "actor": "system", "action": "opened", "detail": ""},
        {"task_id": 3, "at": at(11, 20, 9), "actor": "system", "action": "opened", "detail": ""},
        {"task_id": 4, "at": at(10, 20, 9), "actor": "system", "action": "opened", "detail": ""},
        {"task_id": 1, "at": at(11, 3, 10), "actor": "buyer", "action": "claimed",
         "detail": ""},
        {"task_id": 1, "at": at(11, 3, 12), "actor": "buyer", "action": "resolved",
         "detail": "fixed"},
    ])  # fmt: skip
    x(insert(orm.revenue_shifts), [
        {"line_id": 2, "order_id": "O1", "customer": "C1", "from_period": "2026-11",
         "to_period": "2026-12", "open_quantity": 5, "unit_price": 10.0, "value": 50.0,
         "at": at(11, 12), "reason": "run"},
        {"line_id": 3, "order_id": "O2", "customer": "C2", "from_period": "2026-11",
         "to_period": None, "open_quantity": 2, "unit_price": 5.0, "value": 10.0,
         "at": at(11, 15), "reason": "run"},
    ])  # fmt: skip
    x(insert(orm.expedite_costs), [
        {"line_id": 4, "case_id": "case-4", "cost": 25.0, "reason": "air", "approved_by": "tl",
         "at": at(11, 20), "period": "2026-11"},
    ])  # fmt: skip


@pytest.fixture
def world(application: Application) -> Application:
    """The application with the world stored."""
    with application.engine.begin() as connection:
        build_world(connection)
    return application


def test_fill_rates_first_pass_and_eventual(world: Application) -> None:
    found = snapshot.kpis(world.context, PERIOD)
    s = found.service
    assert (s.due_lines, s.due_units, s.due_orders) == (3, 19, 2)
    assert s.line_fill_rate == pytest.approx(1 / 3)
    assert s.unit_fill_rate == pytest.approx(12 / 19)
    assert s.order_fill_rate == 0.0
    assert s.first_pass_line_fill_rate == pytest.approx(2 / 3)
    assert s.first_pass_unit_fill_rate == pytest.approx(14 / 19)
    assert s.first_pass_order_fill_rate == pytest.approx(1 / 2)
    assert found.previous is not None
    assert (found.previous.due_lines, found.previous.line_fill_rate) == (1, 1.0)
    assert found.previous.order_fill_rate == 1.0
    assert [(w.week, w.due_lines) for w in found.weekly] == [("2026-11-09", 2), ("2026-11-16", 1)]
    with world.engine.connect() as connection:
        legacy = fill_rates(connection, PERIOD.start, PERIOD.end, item_group="G1")
    assert (legacy.due_lines, legacy.line_fill_rate) == (2, 0.5)


def test_backlog_promise_accuracy_risk_and_short_items(world: Application) -> None:
    found = snapshot.kpis(world.context, PERIOD)
    buckets = {b.label: (b.lines, b.units, b.value) for b in found.backlog}
    assert buckets["8-14 days"] == (1, 2, 10.0)
    assert buckets["31-60 days"] == (1, 8, 80.0)
    assert (found.backordered_lines, found.backordered_units, found.backorder_value) == (2, 10, 90)
    p = found.promise
    assert (p.shipped_lines, p.on_first_promise, p.on_latest_promise) == (2, 1, 2)
    r = found.risk
    assert (r.due_lines, r.due_units, r.lines_at_risk, r.units_at_risk) == (1, 8, 1, 8)
    assert (r.value_at_risk, r.unit_risk_rate) == (80.0, 1.0)
    assert [(i.sku, i.units, i.item_group) for i in found.short_items] == [
        ("B", 8, "G2"),
        ("A", 2, "G1"),
    ]


def test_scope_narrows_every_kpi(world: Application) -> None:
    west = KpiFilter(PERIOD.start, PERIOD.end, region="west")
    found = snapshot.kpis(world.context, west)
    assert (found.service.due_lines, found.service.line_fill_rate) == (1, 0.0)
    assert found.backordered_lines == 2
    east_dc = snapshot.kpis(world.context, KpiFilter(PERIOD.start, PERIOD.end, location="EAST"))
    assert east_dc.service.due_lines == 2
    assert east_dc.backordered_lines == 0
    assert [s.supplier for s in east_dc.suppliers] == ["ACME"]
    group = snapshot.kpis(world.context, KpiFilter(PERIOD.start, PERIOD.end, item_group="G2"))
    assert group.service.due_lines == 1
    assert [t.team for t in group.exceptions] == ["customer_service"]
    assert [m.period for m in group.money] == ["2026-11", "2026-12"]
    with world.engine.connect() as connection:
        strategic = backlog(
            connection, PERIOD.end, KpiFilter(PERIOD.start, PERIOD.end, tier="strategic")
        )
    assert sum(b.lines for b in strategic) == 0


def test_supplier_scorecards(world: Application) -> None:
    found = snapshot.kpis(world.context, PERIOD)
    beta, acme = found.suppliers
    assert (acme.supplier, acme.name, acme.lines_due, acme.on_time_in_full) == (
        "ACME",
        "Acme Corp",
        2,
        1,
    )
    assert (acme.acknowledged, acme.ack_median_hours, acme.ack_p90_hours) == (2, 12.0, 24.0)
    assert acme.ack_mean_hours == 18.0
    assert acme.delays["on time"] == 1
    assert acme.delays["1-3 days"] == 1
    assert (beta.supplier, beta.otif_rate, beta.open_late_lines, beta.open_late_units) == (
        "BETA",
        0.0,
        1,
        8,
    )
    assert beta.unacknowledged_overdue == 1
    assert beta.acknowledged == 0
    totals = found.supplier_totals
    assert totals is not None
    assert (totals.lines_due, totals.on_time_in_full, totals.acknowledged) == (3, 1, 2)


def test_exceptions_and_money(world: Application) -> None:
    found = snapshot.kpis(world.context, PERIOD)
    procurement, service = found.exceptions
    assert (procurement.team, procurement.opened, procurement.resolved) == ("procurement", 2, 1)
    assert (procurement.breached, procurement.breach_rate) == (1, 0.5)
    assert (procurement.resolve_median_hours, procurement.touches_per_exception) == (3.0, 1.5)
    assert (service.team, service.opened, service.breached, service.touches) == (
        "customer_service",
        1,
        0,
        0,
    )
    money = {m.period: m for m in found.money}
    assert (money["2026-11"].shifted_out, money["2026-11"].net) == (60.0, -60.0)
    assert money["2026-11"].expedite_cost == 25.0
    assert money["2026-12"].shifted_in == 50.0
    assert money["unscheduled"].shifted_in == 10.0
    assert found.money_totals is not None
    assert (found.money_totals.revenue_shifted, found.money_totals.expedite_cost) == (60.0, 25.0)


def test_process_intelligence(world: Application) -> None:
    view = snapshot.process(world.context, PERIOD)
    assert view.cases == 2
    states = {s.state: s for s in view.states}
    detected = states["detected"]
    assert (detected.stays, detected.median_hours, detected.p90_hours) == (2, 4.0, 6.0)
    assert (detected.sla_hours, detected.breaches) == (8.0, 0)
    waiting = states["awaiting_supply"]
    assert (waiting.stays, waiting.open_now, waiting.breaches, waiting.breach_rate) == (
        1,
        1,
        2,
        1.0,
    )
    assert waiting.oldest_open_hours == 26 * 24 + 5  # 11-01 04:00 to 11-27 09:00
    assert states["replenishment_requested"].breaches == 1
    assert states["supplier_confirmed"].sla_hours is None
    moves = {(t.from_state, t.to_state): t for t in view.transitions}
    assert moves[("detected", "awaiting_supply")].count == 2
    assert moves[("awaiting_supply", "replenishment_requested")].breaches == 1
    assert [(v.path, v.cases) for v in view.variants] == [
        (["detected", "awaiting_supply"], 1),
        (["detected", "awaiting_supply", "replenishment_requested", "supplier_confirmed"], 1),
    ]
    teams = {(t.team, t.task_type): t for t in view.teams}
    assert teams[("procurement", "unsourced_shortage")].median_hours == 3.0
    assert ("procurement", "supplier_late") not in teams  # no case: not a case's stall
    suppliers = {(s.supplier, s.state): s for s in view.suppliers}
    assert suppliers[("ACME", "replenishment_requested")].breaches == 1
    running = suppliers[("ACME", "supplier_confirmed")]
    assert (running.stays, running.median_hours) == (1, 219.0)  # still there, 11-18 06:00 on


@pytest.fixture
def client(world: Application) -> TestClient:
    """The API (visibility routes included)."""
    return TestClient(create_app(world), raise_server_exceptions=False)


def auth(application: Application, role: Role) -> dict[str, str]:
    """Headers with a new API key of `role`."""
    key = create_api_key(application.context, role.value, f"kpi {role.value}", actor="test")
    return {"Authorization": f"Bearer {key}"}


def test_api_returns_kpis_process_and_problems(world: Application, client: TestClient) -> None:
    viewer = auth(world, Role.VIEWER)
    body = client.get("/v1/kpis", params={"start": "2026-11-01", "region": "west"}, headers=viewer)
    assert body.status_code == 200, body.text
    found = body.json()
    assert found["filter"]["region"] == "west"
    assert found["filter"]["end"] == "2026-11-28"
    assert found["service"]["due_lines"] == 1
    assert found["backorder_value"] == 90.0
    process = client.get("/v1/process/states", headers=viewer)
    assert process.status_code == 200
    assert {s["state"] for s in process.json()} >= {"detected", "awaiting_supply"}
    wrong = client.get(
        "/v1/kpis", params={"start": "2026-11-10", "end": "2026-11-01"}, headers=viewer
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "end"
    assert client.get("/v1/kpis").status_code == 401
    integration = auth(world, Role.INTEGRATION)
    assert client.get("/v1/exports/ocel", headers=integration).status_code == 403
