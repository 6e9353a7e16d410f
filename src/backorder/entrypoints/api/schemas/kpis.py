"""Schemas of KPIs and process intelligence (read from the analytics dataclasses)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from backorder.analytics.process import ProcessView
from backorder.analytics.snapshot import KpiSnapshot


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class KpiFilterRead(_Read):
    """The period (inclusive) and scope the numbers are for."""

    start: date
    end: date
    region: str | None = None
    location: str | None = Field(None, description="DC: the line's ship-from, else home DC.")
    product_line: str | None = None
    item_group: str | None = None
    tier: str | None = None


class ServiceLevelRead(_Read):
    """Fill rates of lines due (requested) in the period; null when nothing was due."""

    due_lines: int
    due_units: int
    due_orders: int
    line_fill_rate: float | None = Field(description="Due lines shipped on time in full.")
    unit_fill_rate: float | None
    order_fill_rate: float | None
    first_pass_line_fill_rate: float | None = Field(
        description="Due lines promised in full by the requested date at order intake."
    )
    first_pass_unit_fill_rate: float | None
    first_pass_order_fill_rate: float | None


class WeeklyFillRead(_Read):
    """Fill rates of the lines requested in one week (Monday)."""

    week: str
    due_lines: int
    line_fill_rate: float | None
    unit_fill_rate: float | None
    first_pass_line_fill_rate: float | None


class BacklogBucketRead(_Read):
    """Backordered open lines of one age range."""

    label: str
    lines: int
    units: int
    value: float


class PromiseAccuracyRead(_Read):
    """Lines shipped complete in the period against their first and latest commitment."""

    shipped_lines: int
    on_first_promise: int
    on_latest_promise: int
    first_promise_rate: float | None
    latest_promise_rate: float | None


class FillRateRiskRead(_Read):
    """Open demand due in the next days not covered by supply in time."""

    horizon_days: int
    due_lines: int
    due_units: int
    lines_at_risk: int
    units_at_risk: int
    value_at_risk: float
    unit_risk_rate: float | None


class ShortItemRead(_Read):
    """An item with backordered units on open lines."""

    sku: str
    item_group: str
    lines: int
    units: int
    value: float


class SupplierScoreRead(_Read):
    """A supplier's scorecard."""

    supplier: str
    name: str
    lines_due: int
    on_time_in_full: int
    otif_rate: float | None
    acknowledged: int
    ack_median_hours: float | None
    ack_p90_hours: float | None
    ack_mean_hours: float | None
    unacknowledged_overdue: int
    open_late_lines: int
    open_late_units: int
    delays: dict[str, int]


class SupplierTotalsRead(_Read):
    """All suppliers together."""

    lines_due: int
    on_time_in_full: int
    otif_rate: float | None
    acknowledged: int
    ack_median_hours: float | None
    ack_p90_hours: float | None


class TeamExceptionsRead(_Read):
    """Exception tasks of one team opened in the period."""

    team: str
    opened: int
    resolved: int
    unresolved: int
    breached: int
    breach_rate: float | None
    resolve_median_hours: float | None
    resolve_p90_hours: float | None
    resolve_mean_hours: float | None
    touches: int
    touches_per_exception: float | None


class PeriodMoneyRead(_Read):
    """Revenue shifted into and out of a fiscal period, and expedite cost booked in it."""

    period: str
    shifted_in: float
    shifted_out: float
    net: float
    lines_in: int
    lines_out: int
    expedite_cost: float


class MoneyTotalsRead(_Read):
    """Revenue shifted and expedite cost recorded in the period."""

    revenue_shifted: float
    lines_shifted: int
    expedite_cost: float
    expedites: int


class KpisRead(_Read):
    """Every KPI for the period and scope (definitions: docs/visibility.md)."""

    where: KpiFilterRead = Field(serialization_alias="filter")
    as_of: date
    service: ServiceLevelRead
    previous: ServiceLevelRead | None = Field(
        description="The period of equal length before (with `compare=true`)."
    )
    weekly: list[WeeklyFillRead]
    backlog: list[BacklogBucketRead]
    backorder_value: float
    backordered_units: int
    backordered_lines: int
    promise: PromiseAccuracyRead
    risk: FillRateRiskRead
    short_items: list[ShortItemRead]
    suppliers: list[SupplierScoreRead]
    supplier_totals: SupplierTotalsRead | None
    exceptions: list[TeamExceptionsRead]
    money: list[PeriodMoneyRead]
    money_totals: MoneyTotalsRead | None

    @classmethod
    def of(cls, snapshot: KpiSnapshot) -> KpisRead:
        """From the analytics snapshot."""
        return cls.model_validate(snapshot)


class StateStayRead(_Read):
    """Time cases spend in one state."""

    state: str
    stays: int
    median_hours: float | None
    p90_hours: float | None
    mean_hours: float | None
    open_now: int
    oldest_open_hours: float | None
    sla_hours: float | None
    breaches: int
    breach_rate: float | None


class TransitionRead(_Read):
    """Cases moving from one state to another."""

    from_state: str
    to_state: str
    count: int
    median_hours: float | None
    breaches: int


class VariantRead(_Read):
    """A path of states and how many cases took it."""

    path: list[str]
    cases: int
    share: float | None


class TeamStallRead(_Read):
    """Tasks of one team and type on the cases."""

    team: str
    task_type: str
    tasks: int
    breached: int
    median_hours: float | None
    p90_hours: float | None


class SupplierStallRead(_Read):
    """Stays in one supply state of the cases of a supplier's items."""

    supplier: str
    state: str
    stays: int
    median_hours: float | None
    p90_hours: float | None
    breaches: int


class ProcessRead(_Read):
    """Where cases opened in the period stall."""

    where: KpiFilterRead = Field(serialization_alias="filter")
    cases: int
    states: list[StateStayRead]
    transitions: list[TransitionRead]
    variants: list[VariantRead]
    teams: list[TeamStallRead]
    suppliers: list[SupplierStallRead]

    @classmethod
    def of(cls, view: ProcessView) -> ProcessRead:
        """From the analytics view."""
        return cls.model_validate(view)
