"""A small cache of computed KPI snapshots, keyed by what they depend on.

Computing every KPI reads the whole period (hundreds of milliseconds on the embedded
database, seconds over a million lines); a dashboard asks for the same view again and
again. A snapshot is reused while the data has not changed: every state change of the
service writes the audit log or the outbox in its transaction, so the highest audit id and
outbox position (two index look-ups) stamp the data's version. With a single writer
(SQLite) the stamp is exact; with concurrent writers (PostgreSQL) a transaction may commit
an older id after a newer one, so a snapshot is also never older than `MAX_AGE_SECONDS`
(the same bound covers SLA clocks running on with no data change).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Connection, func, select

from backorder.adapters import orm

MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 64
T = TypeVar("T")


def owner_token(owner: object) -> str:
    """A token unique to `owner` (a service context) for its lifetime: cache keys of two
    applications never meet, even on the same database URL or a reused object id."""
    token: str | None = getattr(owner, "_analytics_cache_token", None)
    if token is None:
        token = uuid.uuid4().hex
        object.__setattr__(owner, "_analytics_cache_token", token)
    return token


def data_version(connection: Connection) -> tuple[int, int]:
    """The highest audit-log id and outbox position: they move with every change."""
    audit = connection.execute(select(func.max(orm.audit_log.c.id))).scalar_one()
    outbox = connection.execute(select(func.max(orm.outbox.c.position))).scalar_one()
    return int(audit or 0), int(outbox or 0)


class SnapshotCache:
    """Least recently used entries, each valid for its key and at most `max_age` seconds."""

    def __init__(self, max_age: float = MAX_AGE_SECONDS, size: int = MAX_ENTRIES) -> None:
        self.max_age, self.size = max_age, size
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of `key` if fresh, else `compute()` (stored)."""
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] <= self.max_age:
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]  # type: ignore[return-value]
            self.misses += 1
        value = compute()  # outside the lock: two misses may compute at once, both correct
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()


SNAPSHOTS = SnapshotCache()
