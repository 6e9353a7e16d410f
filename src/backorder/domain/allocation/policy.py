"""Allocation policy as data: a validated, versioned description of who gets stock first.

A policy is written as YAML (see `policies/default.yaml`, documented field by field) and
parsed into the immutable `Policy` below. Any problem is reported as a `PolicyError` whose
message names the field path (`segments[2].strategy`) and what is wrong with it.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from backorder.domain.errors import PolicyError


class Strategy(enum.StrEnum):
    """SAP-style backorder-processing strategy of a segment."""

    WIN = "win"  # must be confirmed; may take stock from redistribute and lose lines
    GAIN = "gain"  # keeps what it has, may improve
    REDISTRIBUTE = "redistribute"  # may gain, may lose stock to better lines
    FILL = "fill"  # keeps what it has, gets no more
    LOSE = "lose"  # releases everything

    @property
    def processing_order(self) -> int:
        """Order in which strategies are served: win first, then gain, redistribute."""
        return _STRATEGY_ORDER[self]


_STRATEGY_ORDER = {
    Strategy.WIN: 0,
    Strategy.GAIN: 1,
    Strategy.REDISTRIBUTE: 2,
    Strategy.FILL: 3,
    Strategy.LOSE: 4,
}


class SortKeyName(enum.StrEnum):
    """Attributes of a demand line a segment can rank by."""

    TIER = "tier"  # customer tier, in the order of `tiers`
    CONTRACT = "contract"  # lines of customers with a commitment for the item first
    REQUESTED_DATE = "requested_date"
    PROMISE_DATE = "promise_date"  # current promise; unpromised lines last
    MARGIN = "margin"  # unit margin
    ORDER_VALUE = "order_value"  # line value at price
    ORDER_TIME = "order_time"  # first come, first served
    QUANTITY = "quantity"
    RISK = "risk"  # backorder-risk score of the line's item x location


# Natural direction of each key: the value that should be served first.
DEFAULT_DESCENDING = {
    SortKeyName.MARGIN: True,
    SortKeyName.ORDER_VALUE: True,
    SortKeyName.RISK: True,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SortKey(_Strict):
    """One ranking criterion and its direction."""

    key: SortKeyName
    order: Literal["asc", "desc"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"key": value}
        return value

    @property
    def descending(self) -> bool:
        """True when larger values are served first."""
        if self.order is None:
            return DEFAULT_DESCENDING.get(self.key, False)
        return self.order == "desc"

    def describe(self) -> str:
        """Plain words, e.g. 'margin (highest first)'."""
        words = {True: "highest first", False: "lowest first"}
        if self.key in (
            SortKeyName.REQUESTED_DATE,
            SortKeyName.PROMISE_DATE,
            SortKeyName.ORDER_TIME,
        ):
            words = {True: "latest first", False: "earliest first"}
        if self.key is SortKeyName.TIER:
            words = {True: "lowest tier first", False: "highest tier first"}
        if self.key is SortKeyName.CONTRACT:
            words = {True: "non-contract first", False: "contract customers first"}
        return f"{self.key.value.replace('_', ' ')} ({words[self.descending]})"


class SegmentFilter(_Strict):
    """Which lines belong to a segment; an empty list matches everything."""

    customer_tier: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    item_group: tuple[str, ...] = ()
    product_line: tuple[str, ...] = ()
    order_type: tuple[str, ...] = ()

    @property
    def matches_everything(self) -> bool:
        """True when no field restricts the segment."""
        return not any(getattr(self, name) for name in type(self).model_fields)

    def describe(self) -> str:
        """Plain words for the filter."""
        parts = [
            f"{name.replace('_', ' ')} in {', '.join(values)}"
            for name in type(self).model_fields
            if (values := getattr(self, name))
        ]
        return " and ".join(parts) if parts else "all other lines"


class Segment(_Strict):
    """A named group of lines sharing a strategy and a ranking."""

    name: str = Field(min_length=1)
    when: SegmentFilter = SegmentFilter()
    strategy: Strategy
    sort_keys: tuple[SortKey, ...] | None = None


class RingFence(_Strict):
    """Contract commitments served before anything else."""

    enabled: bool = True


class FairShare(_Strict):
    """Rationing inside a priority class when supply falls short."""

    enabled: bool = False
    shortage_threshold: float = Field(0.2, ge=0.0, le=1.0)
    class_keys: tuple[SortKeyName, ...] = (SortKeyName.TIER,)


class Geography(_Strict):
    """Where a line may be served from."""

    max_sources_per_line: int = Field(2, ge=1, le=10)
    cross_region: bool = True
    max_transfer_days: int = Field(14, ge=0)
    home_wait_days: int = Field(7, ge=0)


class ShipComplete(_Strict):
    """All-or-nothing lines."""

    honour_customer_preference: bool = True


class Substitution(_Strict):
    """Serving a short line with an alternate item."""

    enabled: bool = True
    max_substitutes: int = Field(2, ge=0, le=10)


class OptimalWeights(_Strict):
    """Objective of the optimal solver: value of a unit minus penalties."""

    fill_value_per_unit: float = Field(1.0, ge=0.0)
    lateness_penalty_per_unit_day: float = Field(0.05, ge=0.0)
    ring_fence_bonus: float = Field(1_000.0, ge=0.0)
    win_bonus: float = Field(100.0, ge=0.0)


class Scope(_Strict):
    """Where the policy applies; empty lists apply everywhere."""

    regions: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    product_lines: tuple[str, ...] = ()


PositiveWeight = Annotated[float, Field(gt=0)]


class Policy(_Strict):
    """A complete allocation policy."""

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    effective_from: date
    scope: Scope = Scope()
    horizon_days: int = Field(180, ge=1, le=3650)
    tiers: tuple[str, ...] = ("strategic", "contract", "standard")
    priority_weights: dict[str, PositiveWeight] = Field(default_factory=dict)
    ring_fence: RingFence = RingFence()
    segments: tuple[Segment, ...] = Field(min_length=1)
    sort_keys: tuple[SortKey, ...] = Field(min_length=1)
    fair_share: FairShare = FairShare()
    geography: Geography = Geography()
    ship_complete: ShipComplete = ShipComplete()
    substitution: Substitution = Substitution()
    optimal: OptimalWeights = OptimalWeights()

    @field_validator("tiers")
    @classmethod
    def _unique_tiers(cls, tiers: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(tiers)) != len(tiers):
            raise ValueError("tiers must be unique")
        if not tiers:
            raise ValueError("at least one tier is required")
        return tiers

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        names = [s.name for s in self.segments]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"segments: duplicate segment names {duplicates}")
        if not self.segments[-1].when.matches_everything:
            raise ValueError(
                "segments: the last segment must have an empty `when` so that every line "
                "belongs to a segment"
            )
        for index, segment in enumerate(self.segments):
            unknown = set(segment.when.customer_tier) - set(self.tiers)
            if unknown:
                raise ValueError(
                    f"segments[{index}].when.customer_tier: unknown tiers {sorted(unknown)} "
                    f"(known: {list(self.tiers)})"
                )
        unknown_weights = set(self.priority_weights) - set(self.tiers)
        if unknown_weights:
            raise ValueError(f"priority_weights: unknown tiers {sorted(unknown_weights)}")
        return self

    def sort_keys_of(self, segment: Segment) -> tuple[SortKey, ...]:
        """The ranking used inside `segment` (its own, or the policy default)."""
        return segment.sort_keys if segment.sort_keys is not None else self.sort_keys

    def weight_of(self, tier: str) -> float:
        """Priority weight of a tier for the optimal solver (1.0 when unset)."""
        return self.priority_weights.get(tier, 1.0)

    def applies_to(self, on: date, region: str, location: str, product_line: str) -> bool:
        """True when this policy is in force on `on` for that region, DC and product line."""
        if on < self.effective_from:
            return False
        checks = (
            (self.scope.regions, region),
            (self.scope.locations, location),
            (self.scope.product_lines, product_line),
        )
        return all(not allowed or value in allowed for allowed, value in checks)


def _format_location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in {"function-after[_from_string()]", "function-before[_from_string()]"}:
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "(policy)"


def parse_policy(data: Any) -> Policy:
    """Validate a mapping (parsed YAML) into a `Policy`, naming every problem found."""
    if not isinstance(data, dict):
        raise PolicyError(["(policy): expected a mapping of fields, got " + type(data).__name__])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            where = _format_location(tuple(error["loc"]))
            problems.append(message if message.startswith(where) else f"{where}: {message}")
        raise PolicyError(problems) from None


def policy_from_yaml(text: str, source: str = "<policy>") -> Policy:
    """Parse YAML text into a `Policy`; syntax errors name the line and column."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise PolicyError([f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    return parse_policy(data)


class PolicyBook:
    """Every version of every policy; picks the one in force for a date and scope."""

    def __init__(self, policies: list[Policy]) -> None:
        if not policies:
            raise PolicyError(["(policy book): no policies"])
        keys = [(p.name, p.version) for p in policies]
        if len(set(keys)) != len(keys):
            raise PolicyError(["(policy book): the same name and version appears twice"])
        self._policies = sorted(policies, key=lambda p: (p.effective_from, p.version))

    def in_force(
        self, on: date, region: str = "", location: str = "", product_line: str = ""
    ) -> Policy:
        """The newest policy effective on `on` whose scope covers the given place."""
        candidates = [p for p in self._policies if p.applies_to(on, region, location, product_line)]
        if not candidates:
            raise PolicyError([f"(policy book): no policy in force on {on.isoformat()}"])
        # A narrower scope beats a wider one; then the latest effective date and version.
        return max(
            candidates,
            key=lambda p: (
                bool(p.scope.regions) + bool(p.scope.locations) + bool(p.scope.product_lines),
                p.effective_from,
                p.version,
            ),
        )
