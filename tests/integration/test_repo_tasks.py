"""Task and case repositories on both backends: the task queue's filters and pages, the
scanner's query, conditional changes, holds, substitution answers and case pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from backorder.adapters.repositories.tasks import TaskFilter
from backorder.bootstrap import Application
from backorder.service_layer.clock import FixedClock
from tests.integration.orchestration import place, seed, utc


def _task(cause: str, team: str, status: str, due: datetime, **values: Any) -> dict[str, Any]:
    return {
        "case_id": values.pop("case_id", None),
        "cause": cause,
        "task_type": values.pop("task_type", "supplier_late"),
        "team": team,
        "severity": "high",
        "status": status,
        "owner": values.pop("owner", None),
        "subject": cause,
        "detail": "",
        "opened_at": utc(2026, 11, 27, 9),
        "due_at": due,
        "escalation_level": values.pop("escalation_level", 0),
        "breached": values.pop("breached", False),
        "touches": 0,
    }


def test_the_task_queue_filters_pages_and_feeds_the_scanner(application: Application) -> None:
    now = utc(2026, 11, 30, 12)
    with application.context.unit_of_work() as uow:
        ids = [
            uow.tasks.open(_task("a", "procurement", "open", utc(2026, 11, 30, 9), owner="x")),
            uow.tasks.open(_task("b", "procurement", "claimed", utc(2026, 12, 1, 9), owner="y")),
            uow.tasks.open(
                _task("c", "warehouse", "resolved", utc(2026, 11, 28, 9), breached=True)
            ),
            uow.tasks.open(
                _task(
                    "d",
                    "warehouse",
                    "open",
                    utc(2026, 11, 29, 9),
                    escalation_level=1,
                    breached=True,
                    task_type="short_pick",
                    case_id="case-4",
                )
            ),
            uow.tasks.open(
                _task(
                    "e", "finance", "open", utc(2026, 11, 29, 9), breached=True, escalation_level=1
                )
            ),
        ]
        assert uow.tasks.open(_task("a", "procurement", "open", now)) is None  # once per cause
        uow.commit()
    a, b, c, d, e = (task_id for task_id in ids if task_id is not None)

    def page(**where: Any) -> list[int | None]:
        with application.context.reader() as uow:
            return [t.task_id for t in uow.tasks.page(TaskFilter(**where), now, None, 100)]

    assert page(team="procurement") == [a, b]
    assert page(owner="y") == [b]
    assert page(status="open") == [a, d, e]
    assert page(breached=True) == [a, c, d, e]  # a: overdue now, not yet scanned
    assert page(breached=False) == [b]
    assert page(due_before=utc(2026, 11, 29, 12)) == [c, d, e]
    assert page(task_type="short_pick", case_id="case-4") == [d]
    with application.context.reader() as uow:
        first = uow.tasks.page(TaskFilter(), now, None, 2)
        rest = uow.tasks.page(TaskFilter(), now, first[-1].task_id, 100)
        # The scanner: unresolved, overdue, and either not breached yet or with a level
        # left in its team's chain (warehouse has two contacts, finance one).
        chains = {"procurement": 2, "warehouse": 2, "finance": 1}
        overdue = [t.task_id for t in uow.tasks.overdue(now, chains, 100)]
        assert uow.tasks.of_case("case-4")[0].task_id == d
    assert [t.task_id for t in first + rest] == ids
    assert overdue == [d, a]  # by deadline

    with application.context.unit_of_work() as uow:
        # A conditional change only applies while its condition holds (and never when resolved).
        assert uow.tasks.change(a, when={"escalation_level": 0}, escalation_level=1)
        assert not uow.tasks.change(a, when={"escalation_level": 0}, escalation_level=1)
        assert not uow.tasks.change(c, when={"breached": True}, owner="z")
        uow.tasks.touch(b)
        uow.tasks.event(b, now, "someone", "commented", "hello")
        uow.commit()
    with application.context.reader() as uow:
        changed = [uow.tasks.get(a), uow.tasks.get(b)]
        assert [(t.escalation_level, t.touches) for t in changed if t] == [(1, 0), (0, 1)]
        assert [(e["action"], e["at"]) for e in uow.tasks.events_of(b)] == [
            ("opened", utc(2026, 11, 27, 9)),
            ("commented", now),
        ]


def test_cases_hold_page_and_keep_one_substitution_answer(
    application: Application, clock: FixedClock
) -> None:
    seed(application)
    lines = [place(application, f"SO-{n}", "C-STD", "B", 2) for n in range(3)]
    with application.context.unit_of_work() as uow:
        for n, line in enumerate(lines):
            uow.cases.open([(line, "B" if n < 2 else "A", "C-STD")], utc(2026, 11, 27 + n, 9))
        uow.commit()
    first, second, third = (f"case-{line}" for line in lines)
    with application.context.unit_of_work() as uow:
        assert uow.cases.hold(first, True, "quality check", clock.now())
        assert not uow.cases.hold(first, True, "again", clock.now())
        assert not uow.cases.hold(second, False, None, clock.now())  # not held
        uow.cases.mark_action(second, "notice:backordered", "notify_customer", clock.now())
        uow.cases.record_substitution_answer(
            {"line_id": lines[2], "case_id": third, "substitute_sku": "S",
             "decision": "accepted", "decided_at": clock.now(), "actor": "csr", "note": ""}
        )  # fmt: skip
        uow.commit()
    with application.context.reader() as uow:
        held = uow.cases.get(first)
        assert held is not None
        assert (held.on_hold, held.hold_reason) == (True, "quality check")
        assert [c.case_id for c in uow.cases.page(sku="B")] == sorted([first, second])
        opened = uow.cases.page(opened_after=utc(2026, 11, 28), opened_before=utc(2026, 11, 29))
        assert [c.case_id for c in opened] == [second]
        assert [c.case_id for c in uow.cases.page(after=first, limit=1)] == [sorted(
            [first, second, third])[1]]  # fmt: skip
        assert [a["key"] for a in uow.cases.actions(second)] == ["notice:backordered"]
        answer = uow.cases.substitution_answer(lines[2])
        assert answer is not None
        assert (answer["decision"], answer["decided_at"]) == ("accepted", clock.now())
        assert uow.cases.substitution_answer(lines[0]) is None
    with pytest.raises(IntegrityError), application.context.unit_of_work() as uow:
        uow.cases.record_substitution_answer(
            {"line_id": lines[2], "case_id": third, "substitute_sku": "S",
             "decision": "declined", "decided_at": clock.now(), "actor": "csr", "note": ""}
        )  # fmt: skip
