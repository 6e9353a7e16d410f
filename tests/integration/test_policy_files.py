"""Operators replace the shipped policies with their own files; bad files are refused."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.errors import PolicyError


def _shipped_operations() -> str:
    return resources.files("backorder.policies").joinpath("operations.yaml").read_text("utf-8")


def test_an_operations_policy_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    own = tmp_path / "operations.yaml"
    own.write_text(
        _shipped_operations().replace("promise_at_risk_days: 3", "promise_at_risk_days: 5"),
        encoding="utf-8",
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'b.db'}", home=tmp_path, operations_policy_file=own
    )

    application = bootstrap(settings)
    try:
        assert application.context.operations.timeouts.promise_at_risk_days == 5
    finally:
        application.close()


def test_a_malformed_operations_policy_is_refused_naming_the_field(tmp_path: Path) -> None:
    own = tmp_path / "operations.yaml"
    own.write_text(
        _shipped_operations().replace("promise_at_risk_days: 3", "promise_at_risk_days: soon"),
        encoding="utf-8",
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'b.db'}", home=tmp_path, operations_policy_file=own
    )

    with pytest.raises(PolicyError, match="promise_at_risk_days"):
        bootstrap(settings)
    assert not (tmp_path / "b.db").exists()  # refused before the database was touched
