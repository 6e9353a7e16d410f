"""`backorder bench ...` prints one JSON object with the documented fields."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from backorder.entrypoints.cli import app

runner = CliRunner()


def test_priority_benchmark_reports_the_documented_fields() -> None:
    result = runner.invoke(
        app, ["bench", "allocation", "--lines", "2000", "--items", "200", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in (
        "lines",
        "items",
        "locations",
        "solver",
        "seconds",
        "allocated_units",
        "backordered_units",
        "lines_per_second",
    ):
        assert key in report
    assert report["lines"] == 2000
    assert report["allocated_units"] > 0


def test_optimal_benchmark_reports_both_objectives() -> None:
    result = runner.invoke(
        app,
        [
            "bench",
            "allocation",
            "--lines",
            "1000",
            "--items",
            "100",
            "--solver",
            "optimal",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["objective"] >= report["priority_objective"] * 0.999


def test_reallocation_benchmark_reallocates_the_affected_item_only() -> None:
    result = runner.invoke(
        app,
        [
            "bench",
            "reallocation",
            "--lines",
            "500",
            "--background-lines",
            "2000",
            "--repeat",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["affected_item_lines"] >= 500
    assert report["problem_lines"] == 2500
