"""Unit of work: one transaction per command, repositories on its connection, events out.

Handlers open a unit of work, change state through the repositories, queue events, and
commit; the events are written to the outbox in the same transaction, and handed to the
message bus only after the commit succeeded.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, select

from backorder.adapters import orm
from backorder.adapters.db import writer
from backorder.adapters.repositories.allocations import AllocationRepository
from backorder.adapters.repositories.cases import CaseRepository, TaskRepository
from backorder.adapters.repositories.finance import FinanceRepository
from backorder.adapters.repositories.master import MasterDataRepository
from backorder.adapters.repositories.notifications import NotificationRepository
from backorder.adapters.repositories.orders import OrderRepository
from backorder.adapters.repositories.platform import PlatformRepository
from backorder.adapters.repositories.supply import SupplyRepository
from backorder.domain.event_codec import event_payload
from backorder.domain.events import Event
from backorder.domain.finance import FiscalCalendar
from backorder.service_layer.clock import Clock
from backorder.service_layer.event_ids import new_event_ids


class UnitOfWork(abc.ABC):
    """A transaction and the repositories that work inside it."""

    master: MasterDataRepository
    orders: OrderRepository
    supply: SupplyRepository
    allocations: AllocationRepository
    platform: PlatformRepository
    cases: CaseRepository
    tasks: TaskRepository
    finance: FinanceRepository
    notifications: NotificationRepository
    clock: Clock

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._committed_events: list[Event] = []

    def __enter__(self) -> Self:
        self._events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def record(self, event: Event) -> None:
        """Queue an event: written to the outbox at commit, published after it."""
        self._events.append(event)

    def commit(self) -> None:
        """Make every change of this unit durable, events included."""
        self.platform.append_events(_outbox_rows(self._events, self.clock.now()))
        self.platform.flush()
        self._commit()
        self._committed_events.extend(self._events)
        self._events = []

    def collect_new_events(self) -> Iterator[Event]:
        """Events of committed work not yet handed to the message bus."""
        while self._committed_events:
            yield self._committed_events.pop(0)

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None:
        """Discard uncommitted changes (a no-op after commit)."""

    @abc.abstractmethod
    def lock_items(self, skus: Sequence[str]) -> None:
        """Serialise allocation changes per item until the end of this transaction."""

    @property
    def today(self) -> date:
        """The business date of this unit of work."""
        return self.clock.today()

    @property
    def writes_alone(self) -> bool:
        """True when no other writer can run beside this unit from its start.

        Handlers read what they validate again after taking item locks, because another
        writer may have changed it in between; a unit that writes alone can skip that.
        """
        return False


def _outbox_rows(events: Sequence[Event], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for event, event_id in zip(events, new_event_ids(len(events)), strict=True):
        kind, subject, data = event_payload(event)
        rows.append(
            {
                "event_id": event_id,
                "type": kind,
                "subject": subject,
                "data": data,
                "occurred_at": now,
            }
        )
    return rows


class SqlUnitOfWork(UnitOfWork):
    """A unit of work on a database transaction (SQLite or PostgreSQL)."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        read_only: bool = False,
        fiscal_calendar: FiscalCalendar | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.read_only = read_only
        self.fiscal_calendar = fiscal_calendar  # None: the shipped operations policy's
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        # Readers take no write lock (SQLite WAL lets them run beside the writer).
        engine = self.engine if self.read_only else writer(self.engine)
        self._connection = engine.connect()
        self._connection.begin()
        connection = self._connection
        self.master = MasterDataRepository(connection)
        self.finance = FinanceRepository(connection, self.fiscal_calendar)
        self.orders = OrderRepository(connection, self.finance)
        self.supply = SupplyRepository(connection)
        self.allocations = AllocationRepository(connection)
        self.platform = PlatformRepository(connection)
        self.cases = CaseRepository(connection)
        self.tasks = TaskRepository(connection)
        self.notifications = NotificationRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def connection(self) -> Connection:
        """The transaction's connection (for bulk paths)."""
        assert self._connection is not None, "unit of work used outside `with`"
        return self._connection

    def _commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.connection.commit()
        self.connection.begin()

    @property
    def writes_alone(self) -> bool:
        """SQLite write transactions hold the database write lock from `BEGIN IMMEDIATE`."""
        return not self.read_only and self.connection.dialect.name == "sqlite"

    def rollback(self) -> None:
        """Discard uncommitted changes."""
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

    def lock_items(self, skus: Sequence[str]) -> None:
        """Row locks on the items, always in SKU order so two writers never deadlock.

        SQLite needs none: the transaction holds the database write lock from BEGIN.
        """
        if self.connection.dialect.name == "sqlite" or not skus:
            return
        ordered = sorted(set(skus))
        # Chunks are taken in ascending SKU order too, so the global order still holds.
        for start in range(0, len(ordered), 5000):
            self.connection.execute(
                select(orm.items.c.sku)
                .where(orm.items.c.sku.in_(ordered[start : start + 5000]))
                .order_by(orm.items.c.sku)
                .with_for_update()
            ).all()
