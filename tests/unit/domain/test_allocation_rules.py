"""Worked examples a planner would recognise, one rule at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from backorder.domain.allocation.engine import allocate, reallocate
from backorder.domain.allocation.result import Flag
from backorder.domain.model import (
    Allocation,
    ContractCommitment,
    Period,
    Substitute,
    SubstitutionAcceptance,
    Tier,
)
from tests.factories import TODAY, World, policy


def test_better_tier_is_served_first_when_stock_is_short() -> None:
    world = World()
    world.stock("BOLT", 10)
    standard = world.order(world.customer("S", Tier.STANDARD), "BOLT", 8)
    strategic = world.order(world.customer("G", Tier.STRATEGIC), "BOLT", 8)

    outcome = world.allocate()

    assert outcome.got(strategic) == 8
    assert outcome.got(standard) == 2
    assert outcome.short(standard) == 6


def test_earlier_requested_date_wins_inside_a_tier() -> None:
    world = World()
    world.stock("BOLT", 5)
    later = world.order("A", "BOLT", 5, in_days=10)
    sooner = world.order("B", "BOLT", 5, in_days=2)

    outcome = world.allocate()

    assert (outcome.got(sooner), outcome.got(later)) == (5, 0)


def test_future_receipt_sets_the_promise_date_and_marks_the_line_late() -> None:
    world = World()
    world.stock("BOLT", 4)
    world.receipt("BOLT", 10, in_days=12)
    line = world.order("A", "BOLT", 10, in_days=3)

    outcome = world.allocate()

    assert outcome.got(line) == 10
    assert outcome.promise(line) == TODAY + timedelta(days=12)
    assert outcome.flags(line) & Flag.LATE
    assert int(outcome.result.late[0]) == 6  # the 4 on hand ship on time


def test_ring_fenced_contract_is_served_before_a_strategic_account() -> None:
    world = World()
    world.stock("VALVE", 10)
    contract = world.customer(
        "C", Tier.CONTRACT, contracts=[ContractCommitment("VALVE", quantity_per_period=6)]
    )
    strategic = world.order(world.customer("G", Tier.STRATEGIC), "VALVE", 10)
    fenced = world.order(contract, "VALVE", 8)

    outcome = world.allocate()

    assert outcome.got(fenced) == 6  # its commitment, not its whole order
    assert outcome.got(strategic) == 4
    assert int(outcome.result.ring_fenced[outcome.result.line_index(fenced)]) == 6


def test_commitments_of_other_periods_leave_a_contract_line_its_own_fence() -> None:
    world = World()
    world.stock("VALVE", 10)
    world.stock("BOLT", 0)
    contract = world.customer(
        "C",
        Tier.CONTRACT,
        contracts=[
            ContractCommitment("VALVE", quantity_per_period=6, period=Period.MONTH),
            ContractCommitment("BOLT", quantity_per_period=4, period=Period.WEEK),
        ],
    )
    strategic = world.order(world.customer("G", Tier.STRATEGIC), "VALVE", 10)
    fenced = world.order(contract, "VALVE", 8)  # no weekly commitment matches it

    outcome = world.allocate()

    assert (outcome.got(fenced), outcome.got(strategic)) == (6, 4)


def test_a_contract_line_in_no_committed_period_is_not_fenced() -> None:
    world = World()
    world.stock("VALVE", 10)
    contract = world.customer(
        "C", Tier.CONTRACT, contracts=[ContractCommitment("VALVE", quantity_per_period=6)]
    )
    line = world.order(contract, "VALVE", 8)
    built = world.build()
    # The stored commitment covers a period far from the line's requested date.
    commitments = built.problem.commitments
    far = replace(commitments, period=commitments.period + 1_000)

    result = allocate(replace(built.problem, commitments=far), policy())

    assert int(result.ring_fenced[result.line_index(line)]) == 0
    assert int(result.allocated[result.line_index(line)]) == 8


def test_fair_share_rations_a_short_class_in_proportion_to_quantity() -> None:
    world = World()
    world.stock("PUMP", 50)
    lines = [world.order(c, "PUMP", q) for c, q in (("A", 60), ("B", 30), ("C", 10))]
    fair = policy(fair_share={"enabled": True, "shortage_threshold": 0.2, "class_keys": ["tier"]})

    outcome = world.allocate(fair)

    assert [outcome.got(line) for line in lines] == [30, 15, 5]
    assert all(outcome.flags(line) & Flag.RATIONED for line in lines)


def test_fair_share_rounding_gives_leftover_units_to_largest_remainders() -> None:
    world = World()
    world.stock("PUMP", 10)
    lines = [world.order(c, "PUMP", 7) for c in ("A", "B", "C")]  # 10/21 of 7 = 3.33 each
    fair = policy(fair_share={"enabled": True, "shortage_threshold": 0.2, "class_keys": ["tier"]})

    outcome = world.allocate(fair)

    # Equal remainders: the leftover unit goes to the best-ranked line.
    assert [outcome.got(line) for line in lines] == [4, 3, 3]


def test_small_shortage_below_threshold_is_served_strictly_by_rank() -> None:
    world = World()
    world.stock("PUMP", 90)
    first = world.order("A", "PUMP", 50)
    second = world.order("B", "PUMP", 50)
    fair = policy(fair_share={"enabled": True, "shortage_threshold": 0.2, "class_keys": ["tier"]})

    outcome = world.allocate(fair)

    assert (outcome.got(first), outcome.got(second)) == (50, 40)


def test_home_dc_first_then_another_dc_with_its_lane_lead_time() -> None:
    world = World()
    world.stock("BOLT", 3, "EAST")
    world.stock("BOLT", 10, "WEST")
    line = world.order(world.customer("A", home="EAST"), "BOLT", 8, in_days=2)

    outcome = world.allocate()

    assert outcome.got(line) == 8
    assert outcome.promise(line) == TODAY + timedelta(days=4)  # WEST->EAST lane, past the request
    assert outcome.flags(line) & Flag.CROSS_DC
    assert sum(q for s, q in outcome.sources(line).items() if "EAST" in s) == 3


def test_cross_region_supply_is_not_used_when_policy_forbids_it() -> None:
    world = World()
    world.stock("BOLT", 10, "WEST")
    line = world.order(world.customer("A", home="EAST"), "BOLT", 5)

    outcome = world.allocate(policy(geography={"cross_region": False}))

    assert outcome.got(line) == 0


def test_a_line_uses_at_most_the_allowed_number_of_ship_from_dcs() -> None:
    world = World()
    world.locations.append(world.locations[0].__class__("NORTH", "north"))
    for origin, destination in (("NORTH", "EAST"), ("NORTH", "WEST"), ("WEST", "NORTH")):
        world.lanes.append(world.lanes[0].__class__(origin, destination, 2, 1.0))
    for dc in ("EAST", "WEST", "NORTH"):
        world.stock("BOLT", 2, dc)
    line = world.order(world.customer("A", home="EAST"), "BOLT", 6)

    outcome = world.allocate(policy(geography={"max_sources_per_line": 2}))

    assert outcome.got(line) == 4
    assert len({source.split("-")[2] for source in outcome.sources(line)}) == 2


def test_ship_complete_line_gets_all_or_nothing_and_passes_stock_on() -> None:
    world = World()
    world.stock("BOLT", 10)
    complete = world.order(world.customer("SC", Tier.STRATEGIC, ship_complete=True), "BOLT", 12)
    next_in_line = world.order("B", "BOLT", 7)

    outcome = world.allocate()

    assert outcome.got(complete) == 0
    assert outcome.flags(complete) & Flag.SHIP_COMPLETE_RELEASED
    assert outcome.got(next_in_line) == 7


def test_ship_complete_line_waits_for_the_receipt_that_completes_it() -> None:
    world = World()
    world.stock("BOLT", 5)
    world.receipt("BOLT", 10, in_days=20)
    line = world.order(world.customer("SC", ship_complete=True), "BOLT", 12)

    outcome = world.allocate()

    assert outcome.got(line) == 12
    assert outcome.promise(line) == TODAY + timedelta(days=20)


def test_releasing_a_ship_complete_line_can_complete_the_next_one() -> None:
    world = World()
    world.stock("BOLT", 10)
    big = world.order(world.customer("BIG", Tier.STRATEGIC, ship_complete=True), "BOLT", 15)
    small = world.order(world.customer("SMALL", Tier.CONTRACT, ship_complete=True), "BOLT", 9)

    outcome = world.allocate()

    assert (outcome.got(big), outcome.got(small)) == (0, 9)


def test_pre_accepted_substitute_covers_the_shortage() -> None:
    world = World()
    world.item("BOLT-NEW")
    world.item("BOLT", Substitute("BOLT-NEW", 1.0, requires_acceptance=True))
    world.stock("BOLT", 2)
    world.stock("BOLT-NEW", 10)
    customer = world.customer("A", substitution=SubstitutionAcceptance.PRE_ACCEPTED)
    line = world.order(customer, "BOLT", 5)

    outcome = world.allocate()

    assert (outcome.got(line), outcome.substituted(line), outcome.short(line)) == (2, 3, 0)


@pytest.mark.parametrize("short", [1, 2, 3, 4])
def test_a_substitute_covers_any_shortage_odd_or_even(short: int) -> None:
    world = World()
    world.item("BOLT-NEW")
    world.item("BOLT", Substitute("BOLT-NEW", 1.0, requires_acceptance=False))
    world.stock("BOLT", 2)
    world.stock("BOLT-NEW", 10)
    line = world.order(world.customer("A"), "BOLT", 2 + short)

    outcome = world.allocate()

    assert (outcome.got(line), outcome.substituted(line), outcome.short(line)) == (2, short, 0)


def test_customer_who_wants_to_be_asked_gets_an_offer_not_a_substitute() -> None:
    world = World()
    world.item("BOLT-NEW")
    world.item("BOLT", Substitute("BOLT-NEW", 1.0, requires_acceptance=True))
    world.stock("BOLT-NEW", 10)
    line = world.order(world.customer("A", substitution=SubstitutionAcceptance.ASK), "BOLT", 5)

    outcome = world.allocate()

    assert outcome.substituted(line) == 0
    assert outcome.flags(line) & Flag.SUBSTITUTE_OFFERED
    assert "BOLT-NEW can be offered" in outcome.explain(line)


def test_customer_who_never_accepts_substitutes_gets_none() -> None:
    world = World()
    world.item("BOLT-NEW")
    world.item("BOLT", Substitute("BOLT-NEW", 1.0, requires_acceptance=False))
    world.stock("BOLT-NEW", 10)
    line = world.order(world.customer("A", substitution=SubstitutionAcceptance.NEVER), "BOLT", 5)

    outcome = world.allocate()

    assert outcome.substituted(line) == 0
    assert not outcome.flags(line) & Flag.SUBSTITUTE_OFFERED


def _strategies() -> dict[str, object]:
    return {
        "tiers": ["strategic", "contract", "standard"],
        "segments": [
            {"name": "must win", "when": {"customer_tier": ["strategic"]}, "strategy": "win"},
            {"name": "keepers", "when": {"customer_tier": ["contract"]}, "strategy": "fill"},
            {"name": "samples", "when": {"order_type": ["sample"]}, "strategy": "lose"},
            {"name": "rest", "strategy": "redistribute"},
        ],
    }


def test_fill_keeps_what_it_held_and_win_takes_from_redistribute() -> None:
    world = World()
    source = world.stock("BOLT", 10)
    held = world.order(world.customer("K", Tier.CONTRACT), "BOLT", 6)
    loser = world.order("R", "BOLT", 4)
    winner = world.order(world.customer("W", Tier.STRATEGIC), "BOLT", 4)
    world.previous = [
        Allocation(held, source, 3, "EAST", TODAY, "BOLT"),
        Allocation(loser, source, 4, "EAST", TODAY, "BOLT"),
    ]

    outcome = world.allocate(policy(**_strategies()))

    assert outcome.got(held) == 3  # kept, and gets nothing more
    assert outcome.flags(held) & Flag.HELD_BY_STRATEGY
    assert outcome.got(winner) == 4
    assert outcome.got(loser) == 3  # gave up one unit to the win line


def test_lose_releases_everything_it_held() -> None:
    world = World()
    source = world.stock("BOLT", 5)
    sample = world.order("X", "BOLT", 5, order_type="sample")
    other = world.order("Y", "BOLT", 5)
    world.previous = [Allocation(sample, source, 5, "EAST", TODAY, "BOLT")]

    outcome = world.allocate(policy(**_strategies()))

    assert (outcome.got(sample), outcome.got(other)) == (0, 5)
    assert outcome.flags(sample) & Flag.RELEASED_BY_STRATEGY


def test_gain_keeps_its_stock_against_better_ranked_lines() -> None:
    world = World()
    source = world.stock("BOLT", 6)
    gainer = world.order("G", "BOLT", 6, in_days=9)
    early = world.order("E", "BOLT", 6, in_days=1)
    world.previous = [Allocation(gainer, source, 4, "EAST", TODAY, "BOLT")]
    gain_policy = policy(segments=[{"name": "all", "strategy": "gain"}])

    outcome = world.allocate(gain_policy)

    assert outcome.got(gainer) == 4  # kept what it had although `early` ranks higher
    assert outcome.got(early) == 2


def test_win_line_that_cannot_be_confirmed_is_flagged() -> None:
    world = World()
    world.stock("BOLT", 2)
    winner = world.order(world.customer("W", Tier.STRATEGIC), "BOLT", 5)

    outcome = world.allocate(policy(**_strategies()))

    assert outcome.flags(winner) & Flag.WIN_NOT_CONFIRMED


def test_explanation_names_rank_rule_competitors_and_what_makes_it_whole() -> None:
    world = World()
    world.stock("BOLT", 10)
    world.receipt("BOLT", 50, in_days=400)  # beyond the 180-day horizon
    first = world.order(world.customer("G", Tier.STRATEGIC), "BOLT", 10)
    line = world.order("S", "BOLT", 7)

    text = world.allocate().explain(line)

    assert "ranks 2 of 2" in text
    assert "tier (highest tier first)" in text
    assert f"line {first} (rank 1" in text
    assert "7 units short" in text
    assert (TODAY + timedelta(days=400)).isoformat() in text


def test_incremental_reallocation_after_a_receipt_touches_only_that_item() -> None:
    world = World()
    world.stock("BOLT", 5)
    world.stock("NUT", 5)
    bolt = world.order("A", "BOLT", 8)
    nut = world.order("B", "NUT", 3)
    before = world.allocate()
    world.receipt("BOLT", 3, in_days=2)
    after_problem = world.build().problem
    item = np.array([after_problem.catalog.skus.index("BOLT")])

    updated = reallocate(after_problem, policy(), before.result, item)

    assert list(updated.problem.demand.line_id) == [bolt]
    assert int(updated.allocated[0]) == 8
    assert before.got(nut) == 3
