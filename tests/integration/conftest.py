"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backorder.bootstrap import Application
from backorder.workflows import runtime


@pytest.fixture
def running(application: Application) -> Iterator[Application]:
    """The application with its DBOS runtime launched (and shut down after)."""
    runtime.start(application)
    try:
        yield application
    finally:
        runtime.stop()
