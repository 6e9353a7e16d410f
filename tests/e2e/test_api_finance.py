"""GET /v1/finance/revenue-shift: value moved between fiscal periods, by role and filter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from backorder.service_layer.access import Role
from tests.e2e.conftest import Api
from tests.integration.helpers import NOW, TODAY

PATH = "/v1/finance/revenue-shift"


@pytest.fixture
def finance_api(api: Api) -> Api:
    """The API of the application under test."""
    return api


def _shift(api: Api) -> None:
    """Orders of three customers whose promises move from November into December."""
    api.seed()
    lines: dict[str, int] = {}
    for order_id, customer, quantity in (
        ("SO-1", "C-STD", 2),
        ("SO-2", "C-STR", 3),
        ("SO-3", "C-WEST", 5),
    ):
        placed = api.order(order_id, "A", quantity, customer=customer, unit_price=10)
        lines[order_id] = placed["lines"][0]["line_id"]
    ctx = api.application.context
    with ctx.unit_of_work() as uow:
        for promise, reason in ((date(2026, 11, 30), "intake"), (date(2026, 12, 7), "late")):
            uow.orders.record_outcomes(
                [(line, "backordered", 0, 1, promise) for line in lines.values()],
                today=TODAY,
                now=NOW,
                reason=reason,
            )
        uow.finance.record_expedite_cost(
            line_id=lines["SO-2"], cost=80.0, reason="air freight", approved_by="cfo",
            at=NOW + timedelta(days=5),
        )  # fmt: skip
        uow.commit()


def test_finance_viewers_and_admins_read_the_revenue_shift(finance_api: Api) -> None:
    _shift(finance_api)

    for role in (Role.FINANCE, Role.VIEWER, Role.ADMIN):
        body = finance_api.ok("GET", PATH, role, params={"period": "2026-12"})

        assert body["calendar"] == "month"
        [december] = body["periods"]
        assert december == {
            "period": "2026-12",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
            "fiscal_year": 2026,
            "fiscal_quarter": 4,
            "shifted_in": 100.0,
            "shifted_out": 0.0,
            "net": 100.0,
            "lines_in": 3,
            "lines_out": 0,
            "expedite_cost": 80.0,
        }
        assert (body["shifted_in"], body["net"], body["expedite_cost"]) == (100.0, 100.0, 80.0)


def test_a_range_and_the_tier_and_region_filters(finance_api: Api) -> None:
    _shift(finance_api)

    body = finance_api.ok("GET", PATH, Role.FINANCE, params={"from": "2026-10", "to": "2027-01"})
    assert [(p["period"], p["net"]) for p in body["periods"]] == [
        ("2026-10", 0.0),
        ("2026-11", -100.0),
        ("2026-12", 100.0),
        ("2027-01", 0.0),
    ]
    assert (body["shifted_in"], body["shifted_out"], body["net"]) == (100.0, 100.0, 0.0)

    east = finance_api.ok("GET", PATH, Role.FINANCE, params={"period": "2026-11", "region": "east"})
    assert (east["region"], east["shifted_out"]) == ("east", 50.0)
    strategic = finance_api.ok(
        "GET", PATH, Role.FINANCE, params={"period": "2026-12", "tier": "strategic"}
    )
    assert (strategic["tier"], strategic["shifted_in"], strategic["expedite_cost"]) == (
        "strategic",
        30.0,
        80.0,
    )


def test_other_roles_and_callers_without_a_key_are_refused_with_a_problem(
    finance_api: Api,
) -> None:
    for role in (Role.PLANNER, Role.BUYER, Role.CSR, Role.WAREHOUSE, Role.INTEGRATION, None):
        response = finance_api.call("GET", PATH, role, params={"period": "2026-12"})

        assert response.status_code == (401 if role is None else 403)
        assert response.headers["content-type"] == "application/problem+json"
        if role is not None:
            assert "finance" in response.json()["detail"]


BAD_REQUESTS: list[tuple[dict[str, Any], str, str]] = [
    ({}, "period", "give a period, or both from and to"),
    ({"period": "2026-13"}, "period", "not a period label of the form YYYY-MM"),
    ({"period": "FY2027-P01"}, "period", "not a period label"),
    ({"period": "2026-12", "from": "2026-10"}, "period", "not both"),
    ({"from": "2026-10"}, "to", "give a period, or both from and to"),
    ({"to": "2026-10"}, "from", "give a period, or both from and to"),
    ({"from": "2026-12", "to": "2026-10"}, "to", "2026-10 is before 2026-12"),
    ({"from": "2020-01", "to": "2026-12"}, "to", "at most 60 periods"),
    ({"period": "2026-12", "tier": "gold"}, "tier", "Input should be"),
    ({"period": "2026-12", "region": ""}, "region", "at least 1 character"),
]


def test_bad_requests_are_problems_naming_the_field(finance_api: Api) -> None:
    for params, field, message in BAD_REQUESTS:
        response = finance_api.call("GET", PATH, Role.FINANCE, params=params)

        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["field"] == field, params
        assert message in error["message"], (params, error)
