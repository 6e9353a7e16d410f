"""Helpers for tests that run the real DBOS runtime (the `running` fixture is in
`conftest.py`): wait for what workflows do."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from dbos import DBOS


def until(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait until `check()` holds; fail the test, naming `what`, after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.05)


def evaluations(case_id: str) -> int:
    """How many evaluation steps a case's workflow has recorded."""
    steps = DBOS.list_workflow_steps(case_id)
    return sum(1 for s in steps if "evaluate_step" in str(s["function_name"]))
