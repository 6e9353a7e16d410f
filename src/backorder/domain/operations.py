"""Operations policy as data: case timeouts, teams, business calendars, task SLAs, escalation.

Like the allocation policy, it is a versioned YAML document (`policies/operations.yaml`)
validated into immutable objects, and a malformed one is refused with every problem named
by field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backorder.domain.cases import CaseTimeouts
from backorder.domain.errors import PolicyError

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEAMS = ("procurement", "warehouse", "transportation", "customer_service", "finance", "master_data")


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


class Timeouts(_Strict):
    """How long a case waits before it escalates (hours or days as written)."""

    supplier_acknowledgement_hours: float = Field(24, gt=0)
    supplier_grace_days: float = Field(1, ge=0)
    unsourced_hours: float = Field(8, gt=0)
    substitution_answer_days: float = Field(2, gt=0)
    pick_confirmation_hours: float = Field(8, gt=0)

    def case_timeouts(self) -> CaseTimeouts:
        """The timeouts as the case model uses them."""
        return CaseTimeouts(
            supplier_acknowledgement=timedelta(hours=self.supplier_acknowledgement_hours),
            supplier_grace=timedelta(days=self.supplier_grace_days),
            unsourced=timedelta(hours=self.unsourced_hours),
            substitution_answer=timedelta(days=self.substitution_answer_days),
            pick_confirmation=timedelta(hours=self.pick_confirmation_hours),
        )


class OperationsPolicy(_Strict):
    """The whole operations policy."""

    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    effective_from: date
    timeouts: Timeouts = Timeouts()
    calendars: dict[str, Calendar] = Field(default_factory=lambda: {"office": Calendar()})
    teams: dict[str, Team]
    task_types: dict[str, TaskType]
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
