"""Who works which tasks, and how override requests are validated before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backorder.entrypoints.api.schemas.cases import ForceAllocate, SubstituteAnswerIn
from backorder.entrypoints.api.schemas.tasks import ResolveTask
from backorder.policies import default_operations_policy
from backorder.service_layer.access import Role
from backorder.service_layer.handlers.tasks import TEAM_ROLES, may_work


@pytest.mark.parametrize(
    ("team", "role"),
    [
        ("procurement", Role.BUYER),
        ("warehouse", Role.WAREHOUSE),
        ("transportation", Role.PLANNER),
        ("customer_service", Role.CSR),
        ("finance", Role.FINANCE),
        ("master_data", Role.PLANNER),
    ],
)
def test_each_team_is_worked_by_its_role_and_admins(team: str, role: Role) -> None:
    assert may_work(role, team)
    assert may_work(Role.ADMIN, team)
    others = set(Role) - {role, Role.ADMIN}
    assert not any(may_work(other, team) for other in others)


def test_every_task_type_of_the_policy_lands_on_a_team_someone_may_work() -> None:
    policy = default_operations_policy()

    for name, kind in policy.task_types.items():
        assert kind.team in TEAM_ROLES, name
        assert policy.teams[kind.team].members, name  # someone gets it on opening


def _errors(model: type[Any], body: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return {".".join(str(p) for p in e["loc"]) for e in refused.value.errors()}


def test_force_allocate_needs_a_reason_and_positive_units_of_named_sources() -> None:
    assert _errors(ForceAllocate, {"sources": [{"source_id": "OH/A/EAST", "quantity": 1}]}) == {
        "reason"
    }
    assert _errors(ForceAllocate, {"reason": "vip", "sources": []}) == {"sources"}
    assert _errors(
        ForceAllocate, {"reason": "vip", "sources": [{"source_id": "", "quantity": 0}]}
    ) == {"sources.0.source_id", "sources.0.quantity"}
    assert _errors(ForceAllocate, {"reason": "  ", "sources": [], "extra": 1}) >= {"extra"}


def test_answers_and_resolutions_are_checked_for_shape() -> None:
    assert _errors(ResolveTask, {"resolution": ""}) == {"resolution"}
    assert _errors(SubstituteAnswerIn, {"substitute_sku": ""}) == {"substitute_sku"}
    assert SubstituteAnswerIn.model_validate({}).substitute_sku is None
