"""Time as a dependency: the demo replays 90 days; tests pin a date."""

from __future__ import annotations

import abc
from datetime import UTC, date, datetime, time


class Clock(abc.ABC):
    """Source of the current time."""

    @abc.abstractmethod
    def now(self) -> datetime:
        """The current instant (timezone-aware)."""

    def today(self) -> date:
        """The current business date."""
        return self.now().date()


class FixedClock(Clock):
    """A clock that shows what it is set to (replays, tests)."""

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The set instant."""
        return self.at

    def set(self, at: datetime | date) -> None:
        """Move the clock."""
        if not isinstance(at, datetime):
            at = datetime.combine(at, time(8, 0))
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)


class SystemClock(Clock):
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)
