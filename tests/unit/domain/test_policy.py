"""Allocation policies: the shipped default, and malformed ones rejected by field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backorder.domain.allocation.policy import PolicyBook, Strategy, parse_policy, policy_from_yaml
from backorder.domain.allocation.ranking import check_fair_share_classes
from backorder.domain.errors import PolicyError
from backorder.policies import default_policy


def _valid() -> dict[str, Any]:
    return {
        "name": "p",
        "version": 1,
        "effective_from": "2026-01-01",
        "segments": [{"name": "all", "strategy": "redistribute"}],
        "sort_keys": ["tier"],
    }


def test_default_policy_loads_with_all_five_strategies_described() -> None:
    policy = default_policy()
    assert policy.name == "default"
    assert {s.strategy for s in policy.segments} >= {Strategy.WIN, Strategy.GAIN}
    assert policy.segments[-1].when.matches_everything
    check_fair_share_classes(policy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"segments": [{"name": "a", "strategy": "wins"}]}, "segments[0].strategy"),
        ({"sort_keys": ["tier", "colour"]}, "sort_keys[1]"),
        ({"fair_share": {"shortage_threshold": 1.5}}, "fair_share.shortage_threshold"),
        ({"geography": {"max_sources_per_line": 0}}, "geography.max_sources_per_line"),
        ({"geography": {"max_sorces": 2}}, "geography.max_sorces"),
        ({"effective_from": "someday"}, "effective_from"),
        (
            {
                "segments": [
                    {"name": "a", "when": {"customer_tier": ["vip"]}, "strategy": "win"},
                    {"name": "b", "strategy": "fill"},
                ]
            },
            "segments[0].when.customer_tier: unknown tiers ['vip']",
        ),
        (
            {"segments": [{"name": "a", "when": {"region": ["east"]}, "strategy": "win"}]},
            "the last segment must have an empty `when`",
        ),
        ({"priority_weights": {"gold": 2}}, "priority_weights: unknown tiers ['gold']"),
        ({"version": 0}, "version"),
    ],
)
def test_malformed_policy_is_rejected_naming_the_field(
    change: dict[str, Any], message: str
) -> None:
    data = _valid() | change
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    assert message in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    data = _valid() | {"version": 0, "horizon_days": -1}
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    assert len(caught.value.problems) == 2


def test_yaml_syntax_error_names_line_and_column() -> None:
    with pytest.raises(PolicyError, match=r"p.yaml:2:"):
        policy_from_yaml("name: p\n\tversion: 1\n", source="p.yaml")


def test_fair_share_classes_must_lead_the_ranking() -> None:
    policy = parse_policy(
        _valid() | {"sort_keys": ["requested_date", "tier"], "fair_share": {"enabled": True}}
    )
    with pytest.raises(PolicyError, match=r"fair_share\.class_keys"):
        check_fair_share_classes(policy)


def test_policy_book_picks_the_newest_version_in_force_with_the_narrowest_scope() -> None:
    base = parse_policy(_valid())
    newer = parse_policy(_valid() | {"version": 2, "effective_from": "2026-06-01"})
    west = parse_policy(
        _valid() | {"name": "west", "effective_from": "2026-03-01", "scope": {"regions": ["west"]}}
    )
    book = PolicyBook([base, newer, west])
    assert book.in_force(date(2026, 2, 1)).version == 1
    assert book.in_force(date(2026, 7, 1)).version == 2
    assert book.in_force(date(2026, 7, 1), region="west").name == "west"
    with pytest.raises(PolicyError, match="no policy in force"):
        book.in_force(date(2025, 1, 1))
