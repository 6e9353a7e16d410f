"""Several handler calls in one database transaction, each undone alone when it fails.

Handlers open their own unit of work and commit it. Inbound integration needs more: a batch
of messages must commit *together with* the record of which message ids it applied, so a
crash between the effect and that record cannot happen, and one bad message must not undo
its neighbours. `SharedTransaction` gives handlers a context whose units of work live inside
one outer transaction: entering one opens a SAVEPOINT, its commit releases the savepoint
(with its events and audit records), and leaving it without a commit rolls back to the
savepoint. Nothing is durable until the caller commits the shared transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import NestedTransaction

from backorder.adapters.repositories.edi import EdiRepository
from backorder.adapters.repositories.integration import IntegrationRepository
from backorder.adapters.repositories.platform import PlatformRepository
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork

T = TypeVar("T")


class NestedUnitOfWork(UnitOfWork):
    """A unit of work inside a shared transaction: a savepoint, not a transaction."""

    def __init__(self, outer: SqlUnitOfWork, locked: set[str]) -> None:
        super().__init__()
        self.outer = outer
        self._locked = locked  # items the shared transaction holds already
        self.clock = outer.clock
        self._savepoint: NestedTransaction | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        connection = self.outer.connection
        self._savepoint = connection.begin_nested()
        # The outer unit's repositories work on the same connection (whatever set of them
        # it has); only the platform's pending audit records must belong to this unit, so
        # that a failed handler's records go with it.
        for name, value in vars(self.outer).items():
            if getattr(value, "connection", None) is connection:
                setattr(self, name, value)
        self.platform = PlatformRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._savepoint = None

    def _commit(self) -> None:
        assert self._savepoint is not None, "unit of work used outside `with`"
        self._savepoint.commit()
        # Like a top-level unit of work, keep working in a fresh (sub)transaction.
        self._savepoint = self.outer.connection.begin_nested()

    def rollback(self) -> None:
        """Undo this unit's work back to its savepoint."""
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()

    def lock_items(self, skus: Sequence[str]) -> None:
        """Item locks belong to the outer transaction (held until it ends): take only new ones.

        Locks taken later than the batch's sorted up-front pass may wait, never deadlock:
        they are only items the batch did not foresee (a rare reallocation scope).
        """
        missing = sorted(set(skus) - self._locked)
        if missing:
            # Not remembered: rolling back this unit's savepoint releases these locks.
            self.outer.lock_items(missing)


class SharedTransaction:
    """One outer transaction; `context` runs handlers inside it, `attempt` isolates work."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._outer: SqlUnitOfWork | None = None
        self._locked: set[str] = set()
        self.context = ctx

    def __enter__(self) -> Self:
        outer = self._ctx.unit_of_work()
        if not isinstance(outer, SqlUnitOfWork):
            raise TypeError("a shared transaction needs a database unit of work")
        outer.__enter__()
        self._outer = outer

        locked = self._locked

        def nested() -> UnitOfWork:
            return NestedUnitOfWork(outer, locked)

        # Readers too: handlers must see what the batch wrote so far (uncommitted).
        self.context = dataclasses.replace(self._ctx, unit_of_work=nested, reader=nested)
        self.integration = IntegrationRepository(outer.connection)
        self.edi = EdiRepository(outer.connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._outer is not None:
            self._outer.__exit__(exc_type, exc, tb)
            self._outer = None

    @property
    def outer(self) -> SqlUnitOfWork:
        """The outer unit of work (its repositories see everything done so far)."""
        assert self._outer is not None, "shared transaction used outside `with`"
        return self._outer

    @property
    def connection(self) -> Connection:
        """The connection of the outer transaction."""
        return self.outer.connection

    def attempt(self, work: Callable[[ServiceContext], T]) -> T:
        """Run `work` in a savepoint: if it raises, everything it did is undone."""
        with self.connection.begin_nested():
            return work(self.context)

    def lock_items(self, skus: Sequence[str]) -> None:
        """Lock items up front, in one sorted pass, for everything the batch will touch."""
        missing = sorted(set(skus) - self._locked)
        self.outer.lock_items(missing)
        self._locked.update(missing)

    def commit(self) -> None:
        """Make everything done in the shared transaction durable at once."""
        self.outer.commit()
