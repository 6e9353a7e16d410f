"""A dispatcher pass repeated after a crash starts the workflows the crash left unstarted."""

from __future__ import annotations

import pytest

from backorder.bootstrap import Application
from backorder.workflows import dispatcher, lifecycle
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
