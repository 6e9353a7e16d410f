"""A dispatcher pass repeated after a crash starts the workflows the crash left unstarted,
and a dispatcher starting finds open cases that have no workflow at all."""

from __future__ import annotations

import pytest
from dbos import DBOS

from backorder.bootstrap import Application
from backorder.service_layer.handlers.cases import open_cases
from backorder.workflows import dispatcher, lifecycle
from tests.integration.durable import evaluations, until
from tests.integration.orchestration import place, seed


def test_cases_opened_before_a_crash_still_get_their_workflow(
    application: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(application)
    line = place(application, "SO-1", "C-STD", "A", 5)  # no stock: backordered
    started: list[list[str]] = []

    def crash(case_ids: list[str]) -> None:
        raise RuntimeError("the process died after the cases were committed")

    monkeypatch.setattr(lifecycle, "start_cases", crash)
    with pytest.raises(RuntimeError):
        dispatcher.dispatch_once(application.context)
    with application.context.reader() as uow:
        assert uow.cases.get(f"case-{line}") is not None  # committed before the crash

    monkeypatch.setattr(lifecycle, "start_cases", started.append)
    monkeypatch.setattr(lifecycle, "wake_cases", lambda *args, **kwargs: None)
    dispatcher.dispatch_once(application.context)

    assert f"case-{line}" in [case for batch in started for case in batch]


def test_open_cases_left_without_a_workflow_are_started_when_the_dispatcher_starts(
    running: Application,
) -> None:
    seed(running)
    line = place(running, "SO-1", "C-STD", "A", 5)  # no stock: backordered
    with running.context.unit_of_work() as uow:
        # As after restoring the application database without DBOS's: the case is open,
        # nothing drives it.
        opened = open_cases(uow, [(line, "A", "C-STD")])
        uow.commit()
    assert opened == [f"case-{line}"]
    assert DBOS.list_workflows(workflow_ids=opened) == []

    assert lifecycle.start_missing_cases(running.context) == opened
    until("the restored case is evaluated", lambda: evaluations(opened[0]) >= 1)
    assert lifecycle.start_missing_cases(running.context) == []
