"""Outbox reads and the relay's own state (cursor, counters, leader) per consumer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from backorder.adapters import orm
from backorder.adapters.db import writer

_OUTBOX = orm.outbox
_CONSUMERS = orm.outbox_consumers
ERROR_TEXT_LIMIT = 2000


class LostLeadershipError(RuntimeError):
    """Another relay holds the consumer now: this one must stop writing."""


def utc(value: datetime) -> datetime:
    """A stored instant as aware UTC (SQLite hands back naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class ConsumerState:
    """Where a consumer stands and how it has fared."""

    name: str
    position: int
    delivered_total: int
    failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    leader: str | None
    lease_expires_at: datetime | None


def _state(row: Any) -> ConsumerState:
    def when(value: datetime | None) -> datetime | None:
        return utc(value) if value is not None else None

    return ConsumerState(
        row.name,
        int(row.position),
        int(row.delivered_total),
        int(row.failures),
        when(row.last_success_at),
        when(row.last_failure_at),
        row.last_error,
        row.leader,
        when(row.lease_expires_at),
    )


def outbox_after(
    connection: Connection, position: int, limit: int, *, with_data: bool = True
) -> list[dict[str, Any]]:
    """Outbox rows after a position, in position order."""
    columns = [
        _OUTBOX.c.position,
        _OUTBOX.c.event_id,
        _OUTBOX.c.type,
        _OUTBOX.c.subject,
        _OUTBOX.c.occurred_at,
        _OUTBOX.c.published_at,
    ]
    if with_data:
        columns.append(_OUTBOX.c.data)
    result = connection.execute(
        select(*columns)
        .where(_OUTBOX.c.position > position)
        .order_by(_OUTBOX.c.position)
        .limit(limit)
    )
    keys = list(result.keys())  # once: a mapping per row costs more than the query
    return [dict(zip(keys, row, strict=True)) for row in result]


def outbox_rows(connection: Connection, positions: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Outbox rows by position."""
    if not positions:
        return {}
    rows = connection.execute(select(_OUTBOX).where(_OUTBOX.c.position.in_(list(positions))))
    return {int(r.position): dict(r._mapping) for r in rows}


def max_position(connection: Connection) -> int:
    """The highest outbox position written so far (0 when empty)."""
    found = connection.execute(select(func.max(_OUTBOX.c.position))).scalar()
    return int(found) if found is not None else 0


class ConsumerStore:
    """The state row of one outbox consumer, on its own short transactions."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name

    def ensure(self) -> None:
        """Create the state row if it is missing (two relays may race: either wins)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(_CONSUMERS.c.name).where(_CONSUMERS.c.name == self.name)
            ).first()
        if found is not None:
            return
        try:
            with writer(self.engine).begin() as connection:
                connection.execute(insert(_CONSUMERS).values(name=self.name, position=0))
        except IntegrityError:
            pass  # created by the other relay meanwhile

    def state(self) -> ConsumerState:
        """The current state (a consumer that never ran stands at 0)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_CONSUMERS).where(_CONSUMERS.c.name == self.name)
            ).first()
        if row is None:
            return ConsumerState(self.name, 0, 0, 0, None, None, None, None, None)
        return _state(row)

    def advance(
        self,
        connection: Connection,
        holder: str,
        *,
        position: int,
        delivered: int,
        now: datetime,
    ) -> None:
        """Move the cursor and count deliveries, in the caller's transaction, as `holder`."""
        values: dict[str, Any] = {
            "position": position,
            "delivered_total": _CONSUMERS.c.delivered_total + delivered,
            "updated_at": now,
        }
        if delivered:
            values["last_success_at"] = now
        done = connection.execute(
            update(_CONSUMERS)
            .where(_CONSUMERS.c.name == self.name, _CONSUMERS.c.leader == holder)
            .values(**values)
        )
        if done.rowcount != 1:
            raise LostLeadershipError(f"{self.name}: {holder} no longer leads")

    def record_failure(self, holder: str, error: str, now: datetime) -> None:
        """Count a failed pass and keep its error for the health report."""
        with writer(self.engine).begin() as connection:
            connection.execute(
                update(_CONSUMERS)
                .where(_CONSUMERS.c.name == self.name, _CONSUMERS.c.leader == holder)
                .values(
                    failures=_CONSUMERS.c.failures + 1,
                    last_failure_at=now,
                    last_error=error[:ERROR_TEXT_LIMIT],
                    updated_at=now,
                )
            )

    def take_lease(self, holder: str, now: datetime, ttl_seconds: float) -> bool:
        """Lead (or keep leading) until now + ttl unless another holder's lease is live."""
        self.ensure()
        with writer(self.engine).begin() as connection:
            done = connection.execute(
                update(_CONSUMERS)
                .where(
                    _CONSUMERS.c.name == self.name,
                    or_(
                        _CONSUMERS.c.leader.is_(None),
                        _CONSUMERS.c.leader == holder,
                        _CONSUMERS.c.lease_expires_at.is_(None),
                        _CONSUMERS.c.lease_expires_at < now,
                    ),
                )
                .values(
                    leader=holder,
                    lease_expires_at=now + timedelta(seconds=ttl_seconds),
                    updated_at=now,
                )
            )
            return done.rowcount == 1

    def claim(self, holder: str, now: datetime) -> None:
        """Name `holder` leader (it holds the advisory lock, so nobody else can)."""
        self.ensure()
        with writer(self.engine).begin() as connection:
            connection.execute(
                update(_CONSUMERS)
                .where(_CONSUMERS.c.name == self.name)
                .values(leader=holder, lease_expires_at=None, updated_at=now)
            )

    def resign(self, holder: str) -> None:
        """Give up leadership if `holder` has it."""
        with writer(self.engine).begin() as connection:
            connection.execute(
                update(_CONSUMERS)
                .where(_CONSUMERS.c.name == self.name, _CONSUMERS.c.leader == holder)
                .values(leader=None, lease_expires_at=None)
            )


def mark_published(connection: Connection, positions: Sequence[int], now: datetime) -> None:
    """Set `published_at` on outbox rows the broker acknowledged."""
    if positions:
        connection.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.position.in_(list(positions)), _OUTBOX.c.published_at.is_(None))
            .values(published_at=now)
        )


def unpublished_after(connection: Connection, position: int) -> tuple[int, datetime | None]:
    """Rows after `position` not yet published, and the oldest one's time."""
    row = connection.execute(
        select(func.count(), func.min(_OUTBOX.c.occurred_at)).where(
            _OUTBOX.c.position > position, _OUTBOX.c.published_at.is_(None)
        )
    ).one()
    return int(row[0]), (utc(row[1]) if row[1] is not None else None)


def waiting_after(connection: Connection, position: int) -> tuple[int, datetime | None]:
    """Rows after `position` (any state), and the oldest one's time."""
    row = connection.execute(
        select(func.count(), func.min(_OUTBOX.c.occurred_at)).where(_OUTBOX.c.position > position)
    ).one()
    return int(row[0]), (utc(row[1]) if row[1] is not None else None)
