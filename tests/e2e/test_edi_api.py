"""Supplier EDI over REST: inbound files, the 997s and 850s we produce, their listing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backorder.service_layer.access import Role
from tests.e2e.integration_app import IntegrationApi, integration_api

__all__ = ["integration_api"]
DATA = Path(__file__).resolve().parents[1] / "data" / "edi"
X12 = {"Content-Type": "application/edi-x12"}


def seed(api: IntegrationApi) -> None:
    """A DC, supplier ACME (EDI id ACMESUPPLY), its items and PO-2024-0042."""
    api.ok("POST", "/v1/locations", json=[{"code": "DC-CENTRAL", "region": "central"}])
    api.ok("POST", "/v1/suppliers", json=[{"code": "ACME", "edi_id": "ACMESUPPLY"}])
    skus = ["WID-100", "WID-200", "WID-300", "WID-400"]
    api.ok("POST", "/v1/items", json=[{"sku": sku} for sku in skus])
    lines = [
        {"sku": sku, "location": "DC-CENTRAL", "quantity": q, "expected_date": "2026-12-20"}
        for sku, q in zip(skus, (100, 50, 10, 24), strict=True)
    ]
    api.ok("POST", "/v1/purchase-orders", json={
        "po_number": "PO-2024-0042", "supplier": "ACME", "lines": lines,
    })  # fmt: skip


def post_file(api: IntegrationApi, name: str, role: Role = Role.BUYER) -> dict[str, Any]:
    """POST a sample file as a buyer; the JSON answer."""
    body = (DATA / name).read_bytes()
    response = api.client.post(
        "/v1/edi/inbound", content=body, headers=X12 | {"Authorization": f"Bearer {api.key(role)}"}
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_an_855_file_is_applied_and_answered_with_a_997(integration_api: IntegrationApi) -> None:
    api = integration_api
    seed(api)
    report = post_file(api, "acme_855_4010.edi")
    (found,) = report["transaction_sets"]
    assert (found["transaction_set_id"], found["outcome"], found["applied_lines"]) == (
        "855",
        "applied",
        4,
    )
    (ack,) = report["acknowledgements"]
    assert "AK5*A" in ack["content"]
    assert not ack["sent_before"]
    po = api.ok("GET", "/v1/purchase-orders/PO-2024-0042")
    assert [line["confirmation"] for line in po["lines"]] == [
        "confirmed",
        "confirmed",
        "rejected",
        "confirmed",
    ]
    outbox = api.ok("GET", "/v1/edi/outbound", Role.INTEGRATION, params={"after": 0})
    assert [d["document_type"] for d in outbox["documents"]] == ["997"]
    assert outbox["documents"][0]["reference"] == "ZZ:ACMESUPPLY:000004711"
    later = api.ok(
        "GET", "/v1/edi/outbound", params={"after": outbox["documents"][0]["document_id"]}
    )
    assert later["documents"] == []


def test_application_errors_are_located_in_the_file(integration_api: IntegrationApi) -> None:
    api = integration_api
    seed(api)
    report = post_file(api, "acme_856_4010.edi", Role.INTEGRATION)
    (found,) = report["transaction_sets"]
    assert found["outcome"] == "partially_applied"
    (problem,) = found["problems"]
    assert problem["severity"] == "error"
    assert (problem["segment_id"], problem["segment_position_in_set"]) == ("HL", 24)
    assert problem["reference"] == "HL 7 (PO-2024-0038 line 7)"


def test_the_850_of_a_purchase_order(integration_api: IntegrationApi) -> None:
    api = integration_api
    seed(api)
    response = api.call("GET", "/v1/purchase-orders/PO-2024-0042/edi-850", Role.BUYER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/edi-x12"
    assert response.text.startswith("ISA*00*")
    assert "BEG*00*SA*PO-2024-0042" in response.text
    again = api.call("GET", "/v1/purchase-orders/PO-2024-0042/edi-850", Role.BUYER)
    assert again.text == response.text
    missing = api.call("GET", "/v1/purchase-orders/PO-NONE/edi-850", Role.BUYER)
    assert missing.status_code == 404


def test_unreadable_or_mistyped_bodies_are_refused(integration_api: IntegrationApi) -> None:
    api = integration_api
    headers = {"Authorization": f"Bearer {api.key(Role.BUYER)}"}
    garbage = api.client.post("/v1/edi/inbound", content=b"hello", headers=headers | X12)
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "(body)"
    wrong = api.client.post(
        "/v1/edi/inbound", content=b"{}", headers=headers | {"Content-Type": "application/json"}
    )
    assert wrong.status_code == 415
    assert api.client.post("/v1/edi/inbound", content=b"ISA", headers=X12).status_code == 401
