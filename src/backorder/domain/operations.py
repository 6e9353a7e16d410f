"""Operations policy as data: case timeouts, teams, business calendars, task SLAs, escalation.

Like the allocation policy, it is a versioned YAML document (`policies/operations.yaml`)
validated into immutable objects, and a malformed one is refused with every problem named
by field.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from backorder.domain.cases import CaseTimeouts
from backorder.domain.errors import PolicyError
from backorder.domain.expedite import ExpeditePolicy
from backorder.domain.finance import CalendarKind, FiscalCalendar

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEAMS = ("procurement", "warehouse", "transportation", "customer_service", "finance", "master_data")
# Resolution codes every task type accepts unless the policy lists its own.
GENERIC_RESOLUTIONS = (
    "fixed",
    "supplier_confirmed",
    "expedited",
    "customer_informed",
    "cancelled",
    "no_action_needed",
    "duplicate",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Calendar(_Strict):
    """Working days and hours of a team; SLA clocks only run inside them."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    opens: time = time(8, 0)
    closes: time = time(17, 0)
    holidays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _hours(self) -> Calendar:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        if not self.days:
            raise ValueError("days: at least one working day")
        return self

    def is_working_day(self, day: date) -> bool:
        """True on a working day that is not a holiday."""
        return _WEEKDAYS[day.weekday()] in self.days and day not in self.holidays

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start` (clocks stop outside hours)."""
        left = duration
        moment = start
        for _ in range(3660):  # at most ten years of days: a broken calendar cannot hang us
            day = moment.date()
            opens = datetime.combine(day, self.opens, tzinfo=moment.tzinfo)
            closes = datetime.combine(day, self.closes, tzinfo=moment.tzinfo)
            if self.is_working_day(day) and moment < closes:
                begin = max(moment, opens)
                available = closes - begin
                if left <= available:
                    return begin + left
                left -= available
            moment = datetime.combine(day + timedelta(days=1), self.opens, tzinfo=moment.tzinfo)
        raise PolicyError(["calendar: no working time within ten years"])


class Team(_Strict):
    """A team that works tasks: its calendar, members and escalation chain."""

    calendar: str = "office"
    members: tuple[str, ...] = ()
    escalation: tuple[str, ...] = ()  # who is told, level by level, after a breach


class TaskType(_Strict):
    """A kind of exception task: which team, how urgent, how long they have."""

    team: str
    severity: Literal["low", "normal", "high", "critical"] = "normal"
    sla_hours: float = Field(gt=0)
    # Resolution codes of this type; empty: the generic set (`GENERIC_RESOLUTIONS`).
    resolutions: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _codes(self) -> TaskType:
        if any(not code.strip() for code in self.resolutions):
            raise ValueError("resolutions: codes must not be empty")
        if len(set(self.resolutions)) != len(self.resolutions):
            raise ValueError("resolutions: a code appears twice")
        return self


class EscalationRule(_Strict):
    """What happens when a task breaches its SLA, and how long each level has."""

    after_breach: Literal["reassign", "notify"] = "reassign"
    repeat_hours: float = Field(4, gt=0)  # business hours the next level has before it escalates


class Escalation(EscalationRule):
    """The escalation rule of every team, with per-team exceptions."""

    teams: dict[str, EscalationRule] = Field(default_factory=dict)

    def rule_for(self, team: str) -> EscalationRule:
        """The rule a team's tasks follow."""
        return self.teams.get(team, self)


class Timeouts(_Strict):
    """How long a case waits before it escalates (hours or days as written)."""

    supplier_acknowledgement_hours: float = Field(24, gt=0)
    supplier_grace_days: float = Field(1, ge=0)
    unsourced_hours: float = Field(8, gt=0)
    substitution_answer_days: float = Field(2, gt=0)
    pick_confirmation_hours: float = Field(8, gt=0)
    # A supplier document (855, 856) moving a PO line's date later by more days than this
    # opens a "supplier late" task and publishes `backorder.supplier.slipped.v1`.
    supplier_slip_escalation_days: int = Field(3, ge=0)
    # The customer hears of every later promise by notice; a person calls only when the
    # promise is later than requested by more days than this.
    promise_at_risk_days: float = Field(3, ge=0)

    def case_timeouts(self) -> CaseTimeouts:
        """The timeouts as the case model uses them."""
        return CaseTimeouts(
            supplier_acknowledgement=timedelta(hours=self.supplier_acknowledgement_hours),
            supplier_grace=timedelta(days=self.supplier_grace_days),
            unsourced=timedelta(hours=self.unsourced_hours),
            substitution_answer=timedelta(days=self.substitution_answer_days),
            pick_confirmation=timedelta(hours=self.pick_confirmation_hours),
            promise_at_risk=timedelta(days=self.promise_at_risk_days),
        )


class Replenishment(_Strict):
    """How shortages become supply (rules in `domain.replenishment`)."""

    approval_threshold_value: float = Field(5000, ge=0)  # above it a buyer approves
    cover_days: float = Field(0, ge=0)  # days of average demand bought on top of the backlog
    demand_window_days: int = Field(28, gt=0)  # the days average demand is measured over
    transfers: bool = True  # propose moves from other DCs when they beat the supplier


class Expedite(_Strict):
    """When a slipped promise is worth paying to bring forward (rules in `domain.expedite`)."""

    enabled: bool = True
    promise_slip_days: int = Field(3, ge=0)  # promise later than requested by more: expedite
    premium_freight_cost_per_unit: float = Field(2.0, ge=0)
    premium_freight_days: int = Field(5, ge=0)  # days premium freight saves
    approval_threshold_cost: float = Field(250, ge=0)  # above it transportation approves

    def rules(self) -> ExpeditePolicy:
        """The numbers as the expedite rules take them."""
        return ExpeditePolicy(
            promise_slip_days=self.promise_slip_days,
            premium_freight_cost_per_unit=self.premium_freight_cost_per_unit,
            premium_freight_days=self.premium_freight_days,
            approval_threshold_cost=self.approval_threshold_cost,
        )


class QuietHours(_Strict):
    """Hours in which no e-mail goes out (held until they end); may wrap past midnight."""

    starts: time
    ends: time

    @model_validator(mode="after")
    def _span(self) -> QuietHours:
        if self.starts == self.ends:
            raise ValueError("starts and ends must differ")
        return self

    def contains(self, moment: time) -> bool:
        """True when `moment` (local time) is inside the quiet hours."""
        if self.starts < self.ends:
            return self.starts <= moment < self.ends
        return moment >= self.starts or moment < self.ends


class NotificationRules(_Strict):
    """Churn control of customer notices: how many per order and day, and when to be quiet."""

    max_per_order_per_day: int = Field(1, ge=1)
    timezone: str = "UTC"  # the customers' day and quiet hours are counted in this zone
    quiet_hours: QuietHours | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> tzinfo:
        """The time zone of the rules."""
        return UTC if self.timezone == "UTC" else ZoneInfo(self.timezone)

    def day_bounds(self, moment: datetime) -> tuple[datetime, datetime]:
        """Start and end (exclusive) of the local day `moment` falls in, as instants."""
        local = moment.astimezone(self.zone)
        start = datetime.combine(local.date(), time(0), tzinfo=self.zone)
        end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def is_quiet(self, moment: datetime) -> bool:
        """True inside the quiet hours (never when none are set)."""
        if self.quiet_hours is None:
            return False
        return self.quiet_hours.contains(moment.astimezone(self.zone).time())


class FinancePolicy(_Strict):
    """The fiscal calendar revenue shifts and expedite costs are reported in."""

    fiscal_calendar: CalendarKind = CalendarKind.MONTH
    fiscal_year_start_month: int = Field(1, ge=1, le=12)

    @field_validator("fiscal_calendar", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        # YAML reads `445` as a number.
        return str(value) if isinstance(value, int) else value

    def calendar(self) -> FiscalCalendar:
        """The fiscal calendar as the domain uses it."""
        return FiscalCalendar(self.fiscal_calendar, self.fiscal_year_start_month)


class OperationsPolicy(_Strict):
    """The whole operations policy."""

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    effective_from: date
    timeouts: Timeouts = Timeouts()
    calendars: dict[str, Calendar] = Field(default_factory=lambda: {"office": Calendar()})
    teams: dict[str, Team]
    task_types: dict[str, TaskType]
    escalation: Escalation = Escalation()
    replenishment: Replenishment = Replenishment()
    expedite: Expedite = Expedite()
    notifications: NotificationRules = NotificationRules()
    finance: FinancePolicy = FinancePolicy()
    extensions: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> OperationsPolicy:
        for name, team in self.teams.items():
            if name not in TEAMS:
                raise ValueError(f"teams.{name}: not a team (known: {', '.join(TEAMS)})")
            if team.calendar not in self.calendars:
                raise ValueError(f"teams.{name}.calendar: unknown calendar {team.calendar!r}")
        for name, kind in self.task_types.items():
            if kind.team not in self.teams:
                raise ValueError(f"task_types.{name}.team: unknown team {kind.team!r}")
        for name in self.escalation.teams:
            if name not in self.teams:
                raise ValueError(f"escalation.teams.{name}: unknown team {name!r}")
        return self

    def task_type(self, name: str) -> TaskType:
        """A task type by name, or a named error."""
        try:
            return self.task_types[name]
        except KeyError:
            raise PolicyError([f"task_types: no task type {name!r}"]) from None

    def due(self, task_type: str, opened: datetime) -> datetime:
        """SLA deadline of a task opened at `opened`, counted in its team's business hours."""
        kind = self.task_type(task_type)
        calendar = self.calendars[self.teams[kind.team].calendar]
        return calendar.add_business_time(opened, timedelta(hours=kind.sla_hours))

    def resolutions(self, task_type: str) -> tuple[str, ...]:
        """The resolution codes a task of this type may be resolved with."""
        kind = self.task_types.get(task_type)
        return kind.resolutions if kind is not None and kind.resolutions else GENERIC_RESOLUTIONS

    def case_timeouts(self) -> CaseTimeouts:
        """The case model's timeouts, with the promise slip that triggers an expedite."""
        timeouts = self.timeouts.case_timeouts()
        if not self.expedite.enabled:
            return timeouts
        slip = timedelta(days=self.expedite.promise_slip_days)
        return dataclasses.replace(timeouts, expedite_promise_slip=slip)

    def escalation_due(self, team: str, escalated: datetime) -> datetime:
        """Deadline of the next escalation level, in the team's business hours."""
        calendar = self.calendars[self.teams[team].calendar]
        hours = self.escalation.rule_for(team).repeat_hours
        return calendar.add_business_time(escalated, timedelta(hours=hours))


def parse_operations_policy(text: str, source: str = "<operations policy>") -> OperationsPolicy:
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
        return OperationsPolicy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or source
            problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise PolicyError(problems) from None
