"""A customer's answer to a substitute offer: an accepted line is served from the substitute
at once (the backlog loader treats it as pre-accepted), a declined one is never offered it
again (both backends)."""

from __future__ import annotations

import pytest

from backorder.bootstrap import Application
from backorder.domain.allocation.problem import (
    SUBSTITUTION_ASK,
    SUBSTITUTION_NEVER,
    SUBSTITUTION_PRE_ACCEPTED,
)
from backorder.domain.cases import CaseState
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers.allocation import run_allocation
from backorder.service_layer.handlers.case_overrides import answer_substitute
from backorder.service_layer.handlers.cases import evaluate_case
from tests.integration.orchestration import ACTOR, held, open_case, outbox, place, seed


def _acceptance_code(application: Application, line_id: int) -> int:
    """The substitution code the backlog loader gives the line."""
    with application.context.reader() as uow:
        built = uow.allocations.backlog(["A", "S"], uow.today, application.context.policy.tiers)
    rows = built.problem.demand.line_id.tolist()
    return int(built.problem.demand.substitution[rows.index(line_id)])


def _offered(application: Application, line_id: int) -> str | None:
    with application.context.reader() as uow:
        return uow.cases.offered_substitute(line_id)


def test_an_accepted_substitute_serves_the_line_at_once(application: Application) -> None:
    seed(application, stock={"S": 10})
    line = place(application, "SO-1", "C-ASK", "A", 5)
    run_allocation(application.context, skus=["A"], solver="priority", actor=ACTOR)
    case = open_case(application, line)
    assert _offered(application, line) == "S"
    assert _acceptance_code(application, line) == SUBSTITUTION_ASK
    assert evaluate_case(application.context, case).state is CaseState.SUBSTITUTION_OFFERED

    answer = answer_substitute(
        application.context, case, accept=True, substitute_sku="S", note="ok by phone", actor="csr"
    )

    assert (answer.decision, answer.substitute_sku, answer.line_id) == ("accepted", "S", line)
    assert _acceptance_code(application, line) == SUBSTITUTION_PRE_ACCEPTED
    assert held(application, line) == [("OH/S/EAST", 5, "substitute")]
    assert _offered(application, line) is None
    assert outbox(application, "backorder.case.changed.v1")[-1]["line_id"] == line
    assert evaluate_case(application.context, case).state is CaseState.ALLOCATED
    # Later runs keep serving it from the substitute.
    run_allocation(application.context, skus=None, solver="priority", actor=ACTOR)
    assert held(application, line) == [("OH/S/EAST", 5, "substitute")]
    # The same answer again changes nothing; changing one's mind is a conflict.
    again = answer_substitute(
        application.context, case, accept=True, substitute_sku=None, note="", actor="portal"
    )
    assert (again.actor, again.note) == ("csr", "ok by phone")
    with pytest.raises(ConflictError, match="already accepted"):
        answer_substitute(
            application.context, case, accept=False, substitute_sku=None, note="", actor="csr"
        )


def test_a_declined_substitute_is_not_offered_again(application: Application) -> None:
    seed(application, stock={"S": 10})
    line = place(application, "SO-1", "C-ASK", "A", 3)
    plain = place(application, "SO-2", "C-STD", "B", 2)
    run_allocation(application.context, skus=["A", "B"], solver="priority", actor=ACTOR)
    case, other = open_case(application, line), open_case(application, plain)

    with pytest.raises(InvalidInputError) as wrong:
        answer_substitute(
            application.context, case, accept=True, substitute_sku="B", note="", actor="csr"
        )
    with pytest.raises(ConflictError, match="no substitute is offered"):
        answer_substitute(
            application.context, other, accept=True, substitute_sku=None, note="", actor="csr"
        )
    answer_substitute(
        application.context, case, accept=False, substitute_sku="S", note="", actor="portal"
    )
    run_allocation(application.context, skus=None, solver="priority", actor=ACTOR)

    assert wrong.value.field == "substitute_sku"
    assert _acceptance_code(application, line) == SUBSTITUTION_NEVER
    assert _offered(application, line) is None
    assert held(application, line) == []
    assert evaluate_case(application.context, case).state is not CaseState.SUBSTITUTION_OFFERED
    with pytest.raises(ConflictError, match="already declined"):
        answer_substitute(
            application.context, case, accept=True, substitute_sku=None, note="", actor="csr"
        )
