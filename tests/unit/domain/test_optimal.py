"""The optimal (HiGHS) engine against the priority engine on the same input."""

from __future__ import annotations

from backorder.domain.allocation.optimal import objective_of, optimise
from backorder.domain.model import ContractCommitment, Tier
from backorder.policies import default_policy
from backorder.scenario.synthetic import SyntheticSpec, synthetic_problem
from tests.factories import World, policy


def test_optimal_trades_rank_for_value_and_reports_both_objectives() -> None:
    world = World()
    world.stock("BOLT", 10)
    cheap = world.order(world.customer("S", Tier.STANDARD), "BOLT", 10, in_days=1, price=7, cost=6)
    rich = world.order(world.customer("T", Tier.STANDARD), "BOLT", 10, in_days=5, price=50, cost=6)
    built = world.build()

    outcome = optimise(built.problem, policy())

    rows = {int(i): r for r, i in enumerate(built.problem.demand.line_id)}
    assert int(outcome.result.allocated[rows[rich]]) == 10
    assert int(outcome.result.allocated[rows[cheap]]) == 0
    assert outcome.priority_objective is not None
    assert outcome.objective > outcome.priority_objective


def test_optimal_honours_ring_fences_and_ship_complete() -> None:
    world = World()
    world.stock("VALVE", 10)
    contract = world.customer("C", Tier.CONTRACT, contracts=[ContractCommitment("VALVE", 4)])
    fenced = world.order(contract, "VALVE", 4, price=8, cost=7)
    whole = world.order(world.customer("W", ship_complete=True), "VALVE", 8, price=90, cost=1)
    partial = world.order("P", "VALVE", 8, price=20, cost=1)
    built = world.build()

    result = optimise(built.problem, policy()).result

    rows = {int(i): r for r, i in enumerate(built.problem.demand.line_id)}
    assert int(result.allocated[rows[fenced]]) == 4
    assert int(result.allocated[rows[whole]]) in (0, 8)
    assert int(result.allocated.sum()) == 10
    assert int(result.allocated[rows[partial]]) > 0


def test_optimal_never_worse_than_priority_on_a_synthetic_problem() -> None:
    problem = synthetic_problem(SyntheticSpec(lines=3_000, items=300, seed=3))
    outcome = optimise(problem, default_policy())
    assert outcome.priority_objective is not None
    assert outcome.objective >= outcome.priority_objective * 0.999
    used = outcome.result.piece_quantity.sum()
    assert used <= problem.supply.quantity.sum()
    assert objective_of(outcome.result) == outcome.objective


def test_optimal_prefers_a_transfer_over_a_late_receipt_when_it_pays() -> None:
    world = World()
    world.receipt("BOLT", 10, in_days=60, location="EAST")
    world.stock("BOLT", 10, "WEST")
    line = world.order(world.customer("A", home="EAST"), "BOLT", 10, in_days=2)
    built = world.build()

    result = optimise(built.problem, policy(optimal={"lateness_penalty_per_unit_day": 1.0})).result

    row = int(built.problem.demand.line_id.tolist().index(line))
    assert int(result.promise_day[row]) - built.problem.as_of_day == 4
    assert result.promise_day[row] < built.problem.as_of_day + 60
