"""One relay leads each outbox consumer; the others stand by.

A single leader per consumer reads the outbox in position order and so keeps the order
of every aggregate's events without coordinating batches between relays.

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection held for
  as long as the relay leads. If the process dies the server drops the lock with the
  connection, and a standby takes over on its next try (no clock, no lease to expire).
- SQLite: a lease in the consumer's state row, renewed while leading; a standby takes
  over once it expires. Writers serialise on SQLite's write lock, so the row is exact.

Either way every write of the leader checks, in its own transaction, that the state row
still names it (`ConsumerStore.advance`), so a relay that lost the lead writes nothing.
"""

from __future__ import annotations

import abc
import hashlib
import os
import socket
import time
import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from backorder.adapters.outbox.store import ConsumerStore

log = structlog.get_logger(__name__)


def new_holder() -> str:
    """A name for this relay: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return datetime.now(UTC)


class Leadership(abc.ABC):
    """The right to run one consumer."""

    def __init__(self, store: ConsumerStore, holder: str) -> None:
        self.store = store
        self.holder = holder

    @abc.abstractmethod
    def acquire(self) -> bool:
        """Lead, or confirm that this relay still leads; False while another one does."""

    @abc.abstractmethod
    def release(self) -> None:
        """Stop leading (a standby may take over at once)."""


class LeaseLeadership(Leadership):
    """A lease in the consumer's state row (SQLite)."""

    def __init__(self, store: ConsumerStore, holder: str, ttl_seconds: float) -> None:
        super().__init__(store, holder)
        self.ttl = ttl_seconds
        self._renew_at = 0.0
        self._held = False

    def acquire(self) -> bool:
        """Take or renew the lease when a third of it has run (a write, so not every pass)."""
        if self._held and time.monotonic() < self._renew_at:
            return True
        started = time.monotonic()
        held = self.store.take_lease(self.holder, _now(), self.ttl)
        if held and not self._held:
            log.info("relay_leading", consumer=self.store.name, holder=self.holder)
        self._held = held
        self._renew_at = started + self.ttl / 3
        return held

    def release(self) -> None:
        """Give the lease back."""
        if self._held:
            self.store.resign(self.holder)
        self._held = False


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a consumer name."""
    digest = hashlib.sha256(f"backorder.outbox.{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLeadership(Leadership):
    """A PostgreSQL session advisory lock held on a dedicated connection."""

    CHECK_EVERY_SECONDS = 1.0

    def __init__(self, engine: Engine, store: ConsumerStore, holder: str) -> None:
        super().__init__(store, holder)
        self.engine = engine
        self.key = advisory_key(store.name)
        self._connection: Connection | None = None
        self._check_at = 0.0

    def acquire(self) -> bool:
        """Try the lock; while holding it, check now and then that its session is alive."""
        if self._connection is not None:
            if time.monotonic() < self._check_at:
                return True
            try:
                self._connection.exec_driver_sql("SELECT 1")
            except DBAPIError:
                log.warning("relay_lock_lost", consumer=self.store.name, holder=self.holder)
                self._drop()
                return False
            self._check_at = time.monotonic() + self.CHECK_EVERY_SECONDS
            return True
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(connection.execute(select(func.pg_try_advisory_lock(self.key))).scalar())
        except DBAPIError:
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        self._check_at = time.monotonic() + self.CHECK_EVERY_SECONDS
        self.store.claim(self.holder, _now())
        log.info("relay_leading", consumer=self.store.name, holder=self.holder)
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
            finally:
                self._connection = None

    def release(self) -> None:
        """Unlock and hand the connection back."""
        if self._connection is None:
            return
        try:
            self.store.resign(self.holder)
            self._connection.execute(select(func.pg_advisory_unlock(self.key)))
            self._connection.close()
        except DBAPIError:
            self._drop()
        self._connection = None


def leadership_for(engine: Engine, store: ConsumerStore, lease_seconds: float) -> Leadership:
    """Advisory lock on PostgreSQL, a lease elsewhere."""
    holder = new_holder()
    if engine.dialect.name == "postgresql":
        return AdvisoryLeadership(engine, store, holder)
    return LeaseLeadership(store, holder, lease_seconds)
