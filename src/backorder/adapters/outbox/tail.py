"""Which outbox rows are safe to hand on: holes in positions and when to step over them.

Positions come from a sequence taken at INSERT, but on PostgreSQL two transactions can
commit in the other order: position 11 may be visible while 10 is still in flight. A
reader that moved its cursor past 10 would never see it. So a reader takes rows only up
to the first hole, and steps over a hole once it is known dead (the transaction that took
the position rolled back):

- PostgreSQL: a little after the hole is first seen, the reader notes the snapshot's
  `xmax` (every transaction that had taken a position by then has an id below it). Once
  the oldest running transaction (`xmin`) is at or past that fence, the hole's owner has
  finished; if its row still is not there (the next read shows), it rolled back.
- Any backend, as a fallback: the row after the hole was written more than `settle`
  seconds ago (writers' clock), or this reader has watched the hole for `settle` seconds.

SQLite serialises writers, so its positions have no holes. Events of one aggregate keep
their order as long as its writers serialise on it (order lines: the item row locks are
taken before the events are written), since they then commit in position order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

FENCE_DELAY_SECONDS = 0.1  # far longer than between taking a position and getting an xid
Snapshot = Callable[[], tuple[int, int]]  # (xmin, xmax) of a fresh snapshot


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def postgres_snapshot(engine: Engine) -> Snapshot:
    """A function returning the current snapshot's (xmin, xmax) on PostgreSQL."""
    query = text(
        "SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint "
        "FROM pg_current_snapshot() AS s"
    )

    def snapshot() -> tuple[int, int]:
        with engine.connect() as connection:
            xmin, xmax = connection.execute(query).one()
        return int(xmin), int(xmax)

    return snapshot


class HoleWatch:
    """What one reader knows of the holes it has met (keyed by their first position)."""

    def __init__(
        self, monotonic: Callable[[], float] = time.monotonic, snapshot: Snapshot | None = None
    ) -> None:
        self._first_seen: dict[int, float] = {}
        self._fence: dict[int, int] = {}
        self._dead: set[int] = set()
        self._monotonic = monotonic
        self._snapshot = snapshot

    def refresh(self) -> None:
        """Before reading rows: fence new holes, and declare dead those past their fence."""
        if self._snapshot is None or not self._first_seen:
            return
        xmin, xmax = self._snapshot()
        now = self._monotonic()
        for hole, seen in self._first_seen.items():
            if hole in self._fence:
                if xmin >= self._fence[hole]:
                    self._dead.add(hole)
            elif now - seen >= FENCE_DELAY_SECONDS:
                self._fence[hole] = xmax

    def watched_for(self, hole_start: int) -> float:
        """Seconds since the hole at `hole_start` was first seen (0 on first sight)."""
        now = self._monotonic()
        return now - self._first_seen.setdefault(hole_start, now)

    def dead(self, hole_start: int) -> bool:
        """True when the hole's transaction is known to have finished (before the read)."""
        return hole_start in self._dead

    def forget_below(self, position: int) -> None:
        """Drop holes the cursor has passed."""
        self._first_seen = {k: v for k, v in self._first_seen.items() if k > position}
        self._fence = {k: v for k, v in self._fence.items() if k > position}
        self._dead = {k for k in self._dead if k > position}


def settled(
    rows: Sequence[Mapping[str, Any]],
    after: int,
    now: datetime,
    settle_seconds: float,
    watch: HoleWatch | None = None,
) -> int:
    """How many of `rows` (ordered by position, all > `after`) may be handed on in order."""
    expected = after + 1
    limit = _utc(now) - timedelta(seconds=settle_seconds)
    for index, row in enumerate(rows):
        position = int(row["position"])
        if position != expected:
            old_enough = _utc(row["occurred_at"]) <= limit
            known = watch is not None and (
                watch.dead(expected) or watch.watched_for(expected) >= settle_seconds
            )
            if not (old_enough or known):
                return index
        expected = position + 1
    return len(rows)


def hole_watch(engine: Engine) -> HoleWatch:
    """A watch for a reader of this engine's outbox (snapshot fences on PostgreSQL)."""
    return HoleWatch(
        snapshot=postgres_snapshot(engine) if engine.dialect.name == "postgresql" else None
    )
