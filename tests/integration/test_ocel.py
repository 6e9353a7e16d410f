"""The OCEL 2.0 export over the KPI world: pm4py reads it back with the counts we wrote."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from backorder.analytics.filters import KpiFilter
from backorder.analytics.ocel import write_ocel
from backorder.bootstrap import Application
from backorder.entrypoints.api.app import create_app
from backorder.entrypoints.cli.visibility import export_app, report
from backorder.service_layer.access import Role
from tests.integration.test_kpis import PERIOD, auth, build_world

pm4py = pytest.importorskip("pm4py", reason="pm4py (a dev dependency) reads the export back")


def cli() -> typer.Typer:
    """The visibility commands as `backorder` registers them."""
    root = typer.Typer()
    root.add_typer(export_app, name="export")
    root.command("report")(report)
    return root


@pytest.fixture
def world(application: Application) -> Application:
    """The application with the KPI world stored."""
    with application.engine.begin() as connection:
        build_world(connection)
    return application


EXPECTED_OBJECTS = {
    "supplier": 2,
    "item": 2,
    "order": 5,
    "order line": 6,
    "purchase order": 2,
    "case": 2,
    "task": 4,
}
EXPECTED_EVENTS = {
    "Place order": 5,
    "Set promise date": 4,
    "Change promise date": 3,
    "Ship": 4,
    "Create purchase order": 2,
    "Supplier acknowledges": 3,
    "Receive goods": 1,
    "Cancel line": 1,
    "Case: detected": 2,
    "Case: awaiting supply": 2,
    "Case: replenishment requested": 1,
    "Case: supplier confirmed": 1,
    "Task opened": 4,
    "Task claimed": 1,
    "Task resolved": 1,
}


def _export(application: Application, path: Path, where: KpiFilter | None = None) -> dict:  # type: ignore[type-arg]
    with application.engine.connect() as connection, path.open("w", encoding="utf-8") as out:
        counts = write_ocel(connection, out, where)
    return {"objects": counts.objects, "events": counts.events}


def test_pm4py_reads_the_export_with_every_object_and_event(
    world: Application, tmp_path: Path
) -> None:
    path = tmp_path / "log.json"
    counts = _export(world, path)
    assert counts == {"objects": EXPECTED_OBJECTS, "events": EXPECTED_EVENTS}
    log = pm4py.read_ocel2_json(str(path))
    assert Counter(log.objects["ocel:type"]) == EXPECTED_OBJECTS
    assert Counter(log.events["ocel:activity"]) == EXPECTED_EVENTS
    relations = log.relations
    placed = relations[relations["ocel:eid"] == "place:O1"]
    assert sorted(placed["ocel:oid"]) == ["item:A", "item:B", "line:1", "line:2", "order:O1"]
    received = relations[relations["ocel:activity"] == "Receive goods"]
    assert sorted(received["ocel:oid"]) == ["item:A", "po:P1", "supplier:ACME"]
    o2o = log.o2o
    assert {("line:3", "order:O2"), ("case:case-3", "line:3"), ("task:1", "case:case-3")} <= set(
        zip(o2o["ocel:oid"], o2o["ocel:oid_2"], strict=True)
    )
    document = json.loads(path.read_text(encoding="utf-8"))
    kinds = {t["name"] for t in document["objectTypes"]}
    assert kinds == set(EXPECTED_OBJECTS)
    assert {t["name"] for t in document["eventTypes"]} == set(EXPECTED_EVENTS)


def test_a_period_limits_the_events_not_the_objects(world: Application, tmp_path: Path) -> None:
    counts = _export(world, tmp_path / "nov.json", KpiFilter(PERIOD.start, PERIOD.start))
    assert counts["objects"] == EXPECTED_OBJECTS
    assert counts["events"] == {"Case: detected": 1, "Case: awaiting supply": 1}


def test_api_streams_the_log_and_cli_writes_it(
    world: Application,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = TestClient(create_app(world))
    response = client.get("/v1/exports/ocel", headers=auth(world, Role.PLANNER))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert len(response.json()["objects"]) == sum(EXPECTED_OBJECTS.values())
    monkeypatch.setenv("BACKORDER_DATABASE_URL", world.settings.effective_database_url)
    monkeypatch.setenv("BACKORDER_WORKFLOWS", "false")
    out = tmp_path / "cli.json"
    result = CliRunner().invoke(cli(), ["export", "ocel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "events" in result.output
    assert len(json.loads(out.read_text(encoding="utf-8"))["events"]) == sum(
        EXPECTED_EVENTS.values()
    )


def test_report_writes_html_with_every_section(
    world: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKORDER_DATABASE_URL", world.settings.effective_database_url)
    out = tmp_path / "kpis.html"
    result = CliRunner().invoke(
        cli(),
        ["report", "--out", str(out), "--no-pdf", "--start", "2026-11-01", "--end", "2026-11-27"],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    for heading in ("Service", "Backlog", "Suppliers", "Exceptions", "Money", "Where cases stall"):
        assert f"<h2>{heading}</h2>" in html
    assert html.count("<svg") == 5
    assert "Acme Corp" in html
    assert "http" not in html.split("<body>", 1)[1].replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
