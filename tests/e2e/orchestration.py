"""The API with the case and task routes, and the case dispatcher without DBOS.

The routers are added here as `create_app` will add them; the dispatcher runs for real
(it reads the outbox and opens cases), only the DBOS calls that start and wake workflows
are recorded instead, and tests evaluate the cases they name directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from backorder.bootstrap import Application
from backorder.entrypoints.api.app import create_app
from backorder.service_layer.handlers.cases import evaluate_case
from backorder.workflows import dispatcher, lifecycle
from tests.e2e.conftest import Api


class OrchestrationApi(Api):
    """`Api` on an application that serves `/v1/cases` and `/v1/tasks` too."""

    def __init__(self, application: Application) -> None:
        super().__init__(application)
        self.client = TestClient(create_app(application), raise_server_exceptions=False)


@dataclass
class Workflows:
    """What the dispatcher asked DBOS to do, and a way to act on it by hand."""

    application: Application
    started: list[str] = field(default_factory=list)
    woken: list[str] = field(default_factory=list)

    def dispatch(self) -> dispatcher.DispatchResult:
        """One dispatcher pass; the cases it started or woke are evaluated at once."""
        self.started.clear()
        self.woken.clear()
        result = dispatcher.dispatch_once(self.application.context)
        for case_id in dict.fromkeys(self.started + self.woken):
            evaluate_case(self.application.context, case_id, "news")
        return result


@pytest.fixture
def case_api(application: Application) -> Iterator[OrchestrationApi]:
    """The API of the application under test, case and task routes included."""
    api = OrchestrationApi(application)
    with api.client:
        yield api


@pytest.fixture
def workflows(application: Application, monkeypatch: pytest.MonkeyPatch) -> Workflows:
    """The case dispatcher with DBOS replaced by a record of what it was asked."""
    recorded = Workflows(application)

    def start(case_ids: list[str]) -> None:
        recorded.started.extend(case_ids)

    def wake(case_ids: list[str], reason: str, idempotency_key: str | None = None) -> None:
        recorded.woken.extend(case_ids)

    monkeypatch.setattr(lifecycle, "start_cases", start)
    monkeypatch.setattr(lifecycle, "wake_cases", wake)
    return recorded
