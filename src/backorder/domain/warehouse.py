"""Warehouse rules: the order in which pick requests should be worked.

`priority = day number of the promise date x 10,000 + allocation rank` (lower first).

The promise date (or the requested date when there is no promise) dominates: a line
promised earlier is picked earlier, whatever its rank, and a line already late (promised
in the past) comes before every line due today. Within one promise date the better
allocation rank (`decision_records.rank`, 1 = first) goes first; a line without a decision
record (allocated at intake, never ranked by a run) counts as rank 9,999, after every
ranked line of its day. Because the day number is absolute (days since 1970-01-01), the
priorities of requests created on different days compare correctly; a value stays below
2^31 until the year 2557.
"""

from __future__ import annotations

from datetime import date

RANK_SPAN = 10_000
UNRANKED = RANK_SPAN - 1
_EPOCH = date(1970, 1, 1)


def pick_priority(promise: date, rank: int | None) -> int:
    """The priority of a pick request (lower is picked first)."""
    bounded = UNRANKED if rank is None else min(max(rank, 0), UNRANKED)
    return (promise - _EPOCH).days * RANK_SPAN + bounded


def priority_parts(priority: int) -> tuple[date, int | None]:
    """The promise date and rank a priority was made of (rank None when unranked)."""
    days, rank = divmod(priority, RANK_SPAN)
    return date.fromordinal(_EPOCH.toordinal() + days), None if rank == UNRANKED else rank
