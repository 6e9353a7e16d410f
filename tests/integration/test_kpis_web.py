"""The dashboard over the KPI world (SQLite and PostgreSQL): sign in, read, act."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from backorder.bootstrap import Application
from backorder.entrypoints.api.app import create_app
from backorder.service_layer.access import Role, create_api_key
from tests.integration.test_kpis import build_world


@pytest.fixture
def world(application: Application) -> Application:
    """The application with the KPI world stored."""
    with application.engine.begin() as connection:
        build_world(connection)
    return application


def _browser(application: Application, role: Role | None) -> TestClient:
    client = TestClient(
        create_app(application), raise_server_exceptions=True, follow_redirects=False
    )
    if role is not None:
        key = create_api_key(application.context, role.value, f"web {role.value}", actor="test")
        signed = client.post("/login", data={"api_key": key, "next": "/"})
        assert signed.status_code == 303, signed.text
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_pages_need_a_session_and_a_valid_key(world: Application) -> None:
    anonymous = _browser(world, None)
    assert anonymous.get("/").headers["location"] == "/login"
    assert anonymous.get("/backorders?sku=A").headers["location"] == "/login?next=/backorders?sku=A"
    login = anonymous.get("/login")
    assert login.status_code == 200
    assert 'label for="api-key"' in login.text
    refused = anonymous.post("/login", data={"api_key": "bo_nope_nope", "next": "//evil"})
    assert refused.status_code == 401
    assert "not valid" in refused.text
    anonymous.cookies.set("bo_session", "forged.cookie")
    assert anonymous.get("/").status_code == 303
    assert anonymous.get("/static/vendor/htmx.min.js").status_code == 200
    assert anonymous.get("/static/../session.py").status_code == 404


def test_every_page_renders_with_the_numbers(world: Application) -> None:
    browser = _browser(world, Role.VIEWER)
    home = browser.get("/?start=2026-11-01&end=2026-11-27")
    assert home.status_code == 200
    assert "Content-Security-Policy" in home.headers
    assert "33.3%" in home.text  # line fill rate: 1 of 3 lines due
    assert home.text.count("data-chart=") == 4
    for page, expected in (
        ("/backorders", "2 backordered lines"),
        ("/suppliers?start=2026-11-01&end=2026-11-27", "Acme Corp"),
        ("/process?start=2026-11-01&end=2026-11-27", "awaiting supply"),
        ("/tasks", "customer service"),
        ("/risk", "No risk model is active"),
        ("/lines/3", "Why it holds what it holds"),
    ):
        response = browser.get(page)
        assert response.status_code == 200, (page, response.text[:300])
        assert expected in response.text, page
    assert browser.get("/lines/999").status_code == 404
    assert browser.get("/?start=2026-11-10&end=2026-11-01").status_code == 422


def test_filters_sort_and_htmx_fragments(world: Application) -> None:
    browser = _browser(world, Role.PLANNER)
    narrowed = browser.get("/backorders?sku=B")
    assert "1 backordered line" in narrowed.text
    assert 'href="/lines/4"' in narrowed.text
    assert 'href="/lines/3"' not in narrowed.text
    fragment = browser.get(
        "/backorders?sort=value&desc=true",
        headers={"HX-Request": "true", "HX-Target": "backorder-table"},
    )
    assert fragment.text.lstrip().startswith('<div id="backorder-table"')
    assert fragment.text.index("/lines/4") < fragment.text.index("/lines/3")
    assert 'aria-sort="descending"' in fragment.text


def test_a_task_is_claimed_and_resolved_from_the_page(world: Application) -> None:
    browser = _browser(world, Role.CSR)
    page = browser.get("/tasks?team=customer_service")
    token = _csrf(page.text)
    stale = browser.post("/tasks/3/claim", data={"csrf": "wrong", "team": "customer_service"})
    assert stale.status_code == 403
    claimed = browser.post(
        "/tasks/3/claim",
        data={"csrf": token, "team": "customer_service"},
        headers={"HX-Request": "true"},
    )
    assert claimed.status_code == 200
    assert "Task 3 is yours." in claimed.text
    not_mine = browser.post("/tasks/2/claim", data={"csrf": token}, headers={"HX-Request": "true"})
    assert "may not work procurement tasks" in not_mine.text
    resolved = browser.post(
        "/tasks/3/resolve",
        data={"csrf": token, "team": "customer_service", "resolution": "customer_informed"},
    )
    assert resolved.status_code == 303
    after = browser.get(resolved.headers["location"])
    assert "Task 3 resolved (customer_informed)." in after.text
    with world.context.reader() as uow:
        task = uow.tasks.get(3)
    assert task is not None
    assert (task.status, task.resolution, task.touches) == ("resolved", "customer_informed", 2)
    out = browser.post("/logout", data={"csrf": token})
    assert out.status_code == 303
    assert browser.get("/").status_code == 303


def test_items_at_risk_show_the_models_scores_and_reasons(world: Application) -> None:
    from sqlalchemy import insert

    from backorder.adapters import orm

    table = getattr(orm, "risk_scores", None)
    if table is None:
        pytest.skip("this schema has no risk scores")
    with world.engine.begin() as connection:
        connection.execute(
            insert(table),
            [
                {
                    "sku": "B",
                    "location": "WEST",
                    "probability": 0.83,
                    "reasons": ["supplier BETA is late on 1 of 1 lines"],
                    "features": {},
                    "model_version": "v0007",
                    "scored_at": datetime(2026, 11, 27, 6, tzinfo=UTC),
                }
            ],
        )
    page = _browser(world, Role.VIEWER).get("/risk")
    assert "v0007" in page.text
    assert "83.0%" in page.text
    assert "supplier BETA is late on 1 of 1 lines" in page.text
    assert "No risk model is active" not in page.text
