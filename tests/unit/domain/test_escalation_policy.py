"""Escalation as policy: the section's fields, per-team rules, resolutions and business time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backorder.domain.cases import (
    CaseState,
    CaseTimeouts,
    HeldSupply,
    LineFacts,
    SupplyStage,
    evaluate,
)
from backorder.domain.errors import PolicyError
from backorder.domain.operations import GENERIC_RESOLUTIONS, parse_operations_policy
from backorder.policies import default_operations_policy

POLICY = """
name: ops
version: 1
effective_from: 2026-01-01
calendars:
  office: {days: [mon, tue, wed, thu, fri], opens: "08:00", closes: "17:00",
           holidays: [2026-12-25]}
teams:
  procurement: {calendar: office, members: [a, b], escalation: [lead, director]}
  warehouse: {calendar: office, members: [w], escalation: [manager]}
task_types:
  supplier_late: {team: procurement, sla_hours: 8, resolutions: [expedited, resourced]}
  short_pick: {team: warehouse, sla_hours: 2}
"""


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_escalation_defaults_to_reassigning_every_four_business_hours() -> None:
    policy = parse_operations_policy(POLICY)

    assert policy.escalation.rule_for("procurement").after_breach == "reassign"
    assert policy.escalation.rule_for("procurement").repeat_hours == 4


def test_a_team_may_escalate_by_notifying_on_its_own_clock() -> None:
    text = POLICY + (
        "escalation:\n  repeat_hours: 6\n"
        "  teams:\n    warehouse: {after_breach: notify, repeat_hours: 1}\n"
    )
    policy = parse_operations_policy(text)

    assert policy.escalation.rule_for("procurement").repeat_hours == 6
    assert policy.escalation.rule_for("warehouse").after_breach == "notify"
    # Friday 16:30 + 1 business hour: 30 minutes on Friday, 30 on Monday morning.
    assert policy.escalation_due("warehouse", _utc(2026, 11, 27, 16, 30)) == _utc(
        2026, 11, 30, 8, 30
    )


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("escalation: {after_breach: shout}", "escalation.after_breach"),
        ("escalation: {repeat_hours: 0}", "escalation.repeat_hours"),
        ("escalation: {teams: {finance: {}}}", "escalation.teams.finance"),
    ],
)
def test_a_bad_escalation_section_is_refused_naming_the_field(section: str, field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_operations_policy(POLICY + section + "\n")

    assert any(field in problem for problem in refused.value.problems), refused.value


def test_resolution_codes_come_from_the_task_type_or_the_generic_set() -> None:
    policy = parse_operations_policy(POLICY)

    assert policy.resolutions("supplier_late") == ("expedited", "resourced")
    assert policy.resolutions("short_pick") == GENERIC_RESOLUTIONS
    with pytest.raises(PolicyError, match="appears twice"):
        parse_operations_policy(POLICY.replace("[expedited, resourced]", "[fixed, fixed]"))


def test_the_shipped_policy_documents_escalation_and_resolutions() -> None:
    policy = default_operations_policy()

    assert policy.escalation.rule_for("warehouse").after_breach == "notify"
    assert "substitute_accepted" in policy.resolutions("substitution_unanswered")
    assert all(team.escalation for team in policy.teams.values())


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        # 8 business hours from Thursday 9:00: Thursday 17:00.
        (_utc(2026, 11, 26, 9, 0), _utc(2026, 11, 26, 17, 0)),
        # From Friday 15:00: 2 hours on Friday, 6 on Monday (the weekend does not count).
        (_utc(2026, 11, 27, 15, 0), _utc(2026, 11, 30, 14, 0)),
        # Opened before opening time: the clock starts at 8:00.
        (_utc(2026, 11, 30, 6, 0), _utc(2026, 11, 30, 16, 0)),
        # Opened after closing on Thursday 24 December: Christmas is a holiday, then the weekend.
        (_utc(2026, 12, 24, 18, 0), _utc(2026, 12, 28, 16, 0)),
    ],
)
def test_sla_deadlines_run_in_business_hours(opened: datetime, due: datetime) -> None:
    assert parse_operations_policy(POLICY).due("supplier_late", opened) == due


def test_a_case_on_hold_does_nothing_and_sets_no_timer() -> None:
    today = _utc(2026, 11, 27, 9).date()
    facts = LineFacts(
        line_id=1,
        sku="BOLT",
        open_quantity=10,
        requested=today + timedelta(days=1),
        promise=today + timedelta(days=9),
        held=(HeldSupply(10, SupplyStage.ORDERED, today, "PO-1/1", "ACME", ordered_on=today),),
        on_hold=True,
    )
    late = _utc(2026, 12, 10, 9)  # every timeout has long passed

    outcome = evaluate(facts, CaseState.DETECTED, _utc(2026, 11, 27, 9), late, CaseTimeouts())
    released = evaluate(
        LineFacts(**{**facts.__dict__, "on_hold": False}),
        CaseState.ON_HOLD,
        _utc(2026, 11, 27, 9),
        late,
        CaseTimeouts(),
    )

    assert (outcome.state, outcome.actions, outcome.next_check) == (CaseState.ON_HOLD, (), None)
    assert released.state is CaseState.REPLENISHMENT_REQUESTED
    assert {a.task_type for a in released.actions} >= {
        "supplier_acknowledgement_overdue",
        "supplier_late",
        "promise_at_risk",
    }
