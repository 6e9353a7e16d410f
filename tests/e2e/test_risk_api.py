"""Risk intelligence over HTTP on both backends: risk scores, drift, supplier delays and
P50/P90 promises, supplier messages, triage. Each test gets a risk service over a model
store trained on synthetic data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backorder.adapters.model_store import FileModelStore, ModelArtifacts
from backorder.bootstrap import Application
from backorder.risk.kaggle import parse_kaggle_text
from backorder.risk.policy import RiskPolicy, ScoringPolicy
from backorder.risk.settings import RiskSettings
from backorder.risk.train import train_risk_model
from backorder.service_layer.access import Role
from backorder.service_layer.handlers.risk import RiskService
from tests.e2e.conftest import Api
from tests.unit.risk.conftest import FAST
from tests.unit.risk.synthetic import synthetic_csv

R = Role
ACK = """Message-ID: <ack-1@acme.example>
Date: Fri, 27 Nov 2026 08:00:00 +0000
From: Orders <orders@acme.example>
To: purchasing@example.com
Subject: Order confirmation PO 4500000001

Dear buyer,

We confirm your purchase order 4500000001 line 1: 10 pcs, delivery date 14 December 2026.
PO 4500000002: 5 pcs will ship soon, date to be confirmed.

Best regards
Acme Orders
"""


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("risk-api-models")
    trained = train_risk_model(parse_kaggle_text(synthetic_csv(3000, seed=22)), FAST)
    store = FileModelStore(root)
    version = store.save(
        ModelArtifacts(
            trained.booster_text,
            trained.calibrator.to_json(),
            trained.metadata("0" * 64, "synthetic.csv"),
        )
    )
    store.promote(version, "test", "fixture")
    return root


def _mount(api: Api, store: Path, policy: RiskPolicy | None = None) -> None:
    app: Any = api.client.app
    app.state.risk = RiskService(
        api.application.context,
        FileModelStore(store),
        policy or RiskPolicy(scoring=ScoringPolicy(task_threshold=0.02, explain_top=10)),
        RiskSettings(model_dir=store, delay_cache_seconds=0),
    )


@pytest.fixture
def risk_api(application: Application, model_store: Path) -> Iterator[Api]:
    api = Api(application)
    _mount(api, model_store)
    with api.client:
        api.seed()
        api.ok("PUT", "/v1/inventory", json={"levels": [
            {"sku": "A", "location": "EAST", "on_hand": 3},
            {"sku": "B", "location": "EAST", "on_hand": 50},
        ]})  # fmt: skip
        api.ok("POST", "/v1/purchase-orders", json={
            "po_number": "4500000001", "supplier": "ACME",
            "lines": [{"sku": "A", "location": "EAST", "quantity": 10,
                       "expected_date": "2026-12-10"}],
        })  # fmt: skip
        api.order("SO-1", "A", 8)
        api.order("SO-2", "A", 4, customer="C-STR")
        yield api


def test_risk_routes_check_roles(risk_api: Api) -> None:
    assert risk_api.call("GET", "/v1/risk/items", None).status_code == 401
    for role in (R.WAREHOUSE, R.FINANCE, R.INTEGRATION):
        assert risk_api.call("GET", "/v1/risk/items", role).status_code == 403
    for role in (R.PLANNER, R.BUYER, R.CSR, R.VIEWER, R.ADMIN):
        assert risk_api.call("GET", "/v1/risk/items", role).status_code == 200
    assert risk_api.call("POST", "/v1/risk/scoring-runs", R.VIEWER).status_code == 403
    assert risk_api.call("GET", "/v1/risk/triage", R.BUYER).status_code == 403
    assert risk_api.call("GET", "/v1/risk/supplier-delays", R.CSR).status_code == 403
    assert _post_message(risk_api, ACK, "message/rfc822", R.CSR).status_code == 403


def test_scoring_run_then_items_by_probability_with_paging(risk_api: Api) -> None:
    run = risk_api.ok("POST", "/v1/risk/scoring-runs", R.PLANNER)
    assert run["model_version"] == "v0001"
    assert run["scored"] >= 2
    page = risk_api.ok("GET", "/v1/risk/items", R.VIEWER)
    items = page["items"]
    assert len(items) == run["scored"]
    assert [i["probability"] for i in items] == sorted(
        (i["probability"] for i in items), reverse=True
    )
    assert {"sku", "location", "reasons", "features", "model_version", "scored_at"} <= set(items[0])
    assert items[0]["reasons"]  # the riskiest are explained
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        got = risk_api.ok("GET", "/v1/risk/items", R.PLANNER, params=params)
        seen += [(i["sku"], i["location"]) for i in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert seen == [(i["sku"], i["location"]) for i in items]
    top = items[0]["probability"]
    high = risk_api.ok("GET", "/v1/risk/items", params={"min_probability": top})
    assert all(i["probability"] >= top for i in high["items"])
    bad = risk_api.call("GET", "/v1/risk/items", params={"cursor": "nonsense"})
    assert bad.status_code == 422
    tasks = risk_api.ok("GET", "/v1/tasks", params={"type": "backorder_risk"})["items"]
    assert len(tasks) == run["tasks_opened"]


def test_drift_reports_every_feature(risk_api: Api) -> None:
    drift = risk_api.ok("GET", "/v1/risk/drift", R.PLANNER)
    assert drift["psi_alert"] == 0.25
    assert drift["rows"] >= 2
    names = {f["feature"] for f in drift["features"]}
    assert {"national_inv", "weeks_of_cover"} <= names
    assert set(drift["drifted"]) == {f["feature"] for f in drift["features"] if f["drifted"]}


def test_drift_without_a_model_is_a_conflict(application: Application, tmp_path: Path) -> None:
    api = Api(application)
    _mount(api, tmp_path / "nothing")
    with api.client:
        response = api.call("GET", "/v1/risk/drift")
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert api.call("POST", "/v1/risk/scoring-runs").status_code == 409


def test_atp_promises_p50_or_p90_from_supplier_history(risk_api: Api) -> None:
    # ACME delivered one earlier PO nine days after its date.
    risk_api.ok("POST", "/v1/purchase-orders", json={
        "po_number": "PO-OLD", "supplier": "ACME",
        "lines": [{"sku": "B", "location": "EAST", "quantity": 5,
                   "expected_date": "2026-11-18"}],
    })  # fmt: skip
    risk_api.ok("POST", "/v1/purchase-orders/PO-OLD/lines/1/receipts", json={"quantity": 5})
    params = {"item": "A", "qty": 1, "location": "EAST", "date": "2026-12-11"}
    plain = risk_api.ok("GET", "/v1/atp", R.CSR, params=params)
    assert plain["promise_basis"] == "supplier"
    assert plain["promise_date"] == plain["supplier_promise_date"]
    assert plain["promise_date_p50"] <= plain["promise_date_p90"]
    assert plain["supplier_promise_date"] <= plain["promise_date_p50"]
    po_source = next(s for s in plain["sources"] if not s["on_hand"])
    assert po_source["supplier"] == "ACME"
    assert "9 in 10" in po_source["delay"]
    cautious = risk_api.ok("GET", "/v1/atp", R.CSR, params=params | {"promise": "p90"})
    assert cautious["promise_date"] == cautious["promise_date_p90"]
    assert cautious["promise_date"] > plain["promise_date"]  # 9 days late once: P90 later
    assert cautious["status"] == "late"
    assert risk_api.call("GET", "/v1/atp", params=params | {"promise": "p75"}).status_code == 422
    delays = risk_api.ok("GET", "/v1/risk/supplier-delays", R.BUYER)
    [acme] = delays["suppliers"]
    assert acme["supplier"] == "ACME"
    assert acme["receipts"] == 1


def _post_message(api: Api, body: bytes | str, content_type: str, role: Role = R.BUYER,
                  **params: Any) -> Any:  # fmt: skip
    return api.client.post(
        "/v1/supplier-messages",
        content=body.encode() if isinstance(body, str) else body,
        params=params,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {api.key(role)}"},
    )


def test_supplier_email_confirms_the_po_line_and_sends_the_rest_to_a_buyer(
    risk_api: Api,
) -> None:
    response = _post_message(risk_api, ACK, "message/rfc822", R.INTEGRATION)
    assert response.status_code == 200, response.text
    answer = response.json()
    [applied] = answer["applied"]
    assert (applied["po_number"], applied["line_number"]) == ("4500000001", 1)
    assert applied["confirmed_date"] == "2026-12-14"
    assert "delivery date 14 December 2026" in applied["commitments"][0]["evidence"]
    reasons = {r["reason"] for r in answer["to_review"]}
    assert "vague_date" in reasons
    task = risk_api.ok("GET", f"/v1/tasks/{answer['task_id']}")
    assert task["task_type"] == "supplier_message_review"
    assert task["team"] == "procurement"
    assert "4500000002" in task["detail"]
    po = risk_api.ok("GET", "/v1/purchase-orders/4500000001")
    assert po["lines"][0]["confirmed_date"] == "2026-12-14"
    assert po["lines"][0]["confirmation"] == "confirmed"
    again = _post_message(risk_api, ACK, "message/rfc822", R.INTEGRATION).json()
    assert again["task_id"] == answer["task_id"]  # one task per message


def test_portal_message_as_json_and_refusals(risk_api: Api) -> None:
    portal = {
        "message_id": "portal-77",
        "subject": "Delivery update",
        "sent_at": "2026-11-27T10:00:00+00:00",
        "text": "PO 4500000001 line 1 will be delivered on 18 December 2026.",
    }
    answer = risk_api.ok("POST", "/v1/supplier-messages", R.BUYER, json=portal)
    assert [a["confirmed_date"] for a in answer["applied"]] == ["2026-12-18"]
    assert answer["to_review"] == []
    assert answer["task_id"] is None
    unknown_line = portal | {
        "message_id": "portal-78",
        "text": "PO 4500000001 line 7 will be delivered on 18 December 2026.",
    }
    review = risk_api.ok("POST", "/v1/supplier-messages", R.BUYER, json=unknown_line)
    assert review["applied"] == []
    assert [r["reason"] for r in review["to_review"]] == ["line_not_identified"]
    assert "no line 7" in review["to_review"][0]["suggestion"]["action"]
    assert _post_message(risk_api, "x", "application/pdf").status_code == 415
    plain = _post_message(risk_api, "PO 4500000001 ships Friday.", "text/plain")
    assert plain.status_code == 422
    assert plain.json()["errors"][0]["field"] == "message_date"
    dated = _post_message(
        risk_api, "PO 4500000001 line 1 ships on 21 December 2026.", "text/plain",
        message_date="2026-11-27T09:00:00",
    )  # fmt: skip
    assert dated.status_code == 200, dated.text
    assert dated.json()["applied"][0]["confirmed_date"] == "2026-12-21"
    missing = risk_api.call("POST", "/v1/supplier-messages", R.BUYER, json={"text": "hi"})
    assert missing.status_code == 422


def test_triage_lists_customer_service_tasks_most_severe_first(risk_api: Api) -> None:
    page = risk_api.ok("GET", "/v1/risk/triage", R.CSR)
    scores = [t["triage_score"] for t in page["items"]]
    assert scores == sorted(scores, reverse=True)
    for item in page["items"]:
        assert item["team"] == "customer_service"
        assert all(r.endswith("(raises severity)") for r in item["triage_reasons"])
        assert set(item["triage_factors"]) == {"tier", "contract", "value", "lateness", "slips"}
    procurement = risk_api.ok("GET", "/v1/risk/triage", R.PLANNER, params={"team": "procurement"})
    assert all(t["team"] == "procurement" for t in procurement["items"])
