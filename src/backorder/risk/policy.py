"""Risk policy as data: when a risk score opens a task, how supplier dates become P50/P90
promises, which extracted commitments apply themselves, how customer tasks are triaged.

A versioned YAML document (`policies/risk.yaml`) validated into immutable objects; a
malformed one is refused with every problem named by field, like the other policies.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backorder.domain.errors import PolicyError
from backorder.domain.supplier_delay import DelayPrior
from backorder.domain.triage import TriageWeights

PromiseBasis = Literal["supplier", "p50", "p90"]
PROMISE_BASES: tuple[PromiseBasis, ...] = ("supplier", "p50", "p90")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoringPolicy(_Strict):
    """The scheduled scoring of every item x DC."""

    task_threshold: float = Field(0.5, gt=0.0, le=1.0)
    explain_top: int = Field(500, ge=0)


class DriftPolicy(_Strict):
    """When a feature counts as drifted."""

    psi_alert: float = Field(0.25, gt=0.0)


class SupplierDelayPolicy(_Strict):
    """How receipt history turns into delay quantiles."""

    history_days: int = Field(365, ge=1)
    prior_weight: float = Field(8.0, ge=0.0)
    default_p50_days: int = 0
    default_p90_days: int = 7
    never_earlier: bool = True

    def prior(self) -> DelayPrior:
        """The domain's view of these settings."""
        return DelayPrior(
            weight=self.prior_weight,
            default_p50=self.default_p50_days,
            default_p90=self.default_p90_days,
            never_earlier=self.never_earlier,
        )


class PromisingPolicy(_Strict):
    """Which date an ATP answer promises by default."""

    basis: PromiseBasis = "supplier"


class SupplierMessagePolicy(_Strict):
    """Which extracted commitments apply themselves."""

    confidence_threshold: float = Field(0.8, ge=0.0, le=1.0)
    task_type: str = Field("supplier_message_review", min_length=1)


class TriagePolicy(_Strict):
    """Severity of customer-facing tasks."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "tier": 3.0,
            "contract": 1.5,
            "value": 2.0,
            "lateness": 2.5,
            "slips": 2.0,
        }
    )
    tiers: dict[str, float] = Field(
        default_factory=lambda: {"strategic": 1.0, "contract": 0.6, "standard": 0.2}
    )
    value_cap: float = Field(50_000.0, gt=1.0)
    late_days_cap: int = Field(14, ge=1)
    slip_window_days: int = Field(30, ge=1)
    slips_cap: int = Field(5, ge=1)

    def domain(self) -> TriageWeights:
        """The domain's view of these settings (unknown factor names are refused)."""
        return TriageWeights(
            factors=dict(self.weights),
            tiers=dict(self.tiers),
            value_cap=self.value_cap,
            late_days_cap=self.late_days_cap,
            slips_cap=self.slips_cap,
        )


class RiskPolicy(_Strict):
    """The whole risk policy document."""

    name: str = "risk"
    version: int = Field(1, ge=1)
    effective_from: date = date(2026, 1, 1)
    scoring: ScoringPolicy = ScoringPolicy()
    drift: DriftPolicy = DriftPolicy()
    supplier_delay: SupplierDelayPolicy = SupplierDelayPolicy()
    promising: PromisingPolicy = PromisingPolicy()
    supplier_messages: SupplierMessagePolicy = SupplierMessagePolicy()
    triage: TriagePolicy = TriagePolicy()


def parse_risk_policy(text: str, source: str = "<risk policy>") -> RiskPolicy:
    """Parse and validate YAML text; problems name the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise PolicyError([f"{where}: not valid YAML"]) from None
    if not isinstance(data, dict):
        raise PolicyError([f"{source}: expected a mapping of fields"])
    try:
        policy = RiskPolicy.model_validate(data)
        policy.triage.domain()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or source
            problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise PolicyError(problems) from None
    except ValueError as exc:
        raise PolicyError([f"triage: {exc}"]) from None
    return policy


def load_risk_policy(path: Path) -> RiskPolicy:
    """Read and validate a risk policy file."""
    return parse_risk_policy(path.read_text(encoding="utf-8"), source=str(path))


def default_risk_policy() -> RiskPolicy:
    """The risk policy shipped with the package (`policies/risk.yaml`)."""
    text = resources.files("backorder.policies").joinpath("risk.yaml").read_text(encoding="utf-8")
    return parse_risk_policy(text, source="risk.yaml")
