"""Webhook subscriptions and their deliveries (one row per subscription x event)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from backorder.adapters import orm
from backorder.adapters.outbox.store import ERROR_TEXT_LIMIT, max_position, utc
from backorder.adapters.outbox.webhooks import DeliveryResult

_SUBS = orm.webhook_subscriptions
_DELIVERIES = orm.webhook_deliveries
PENDING, DELIVERED, DEAD, CANCELLED = "pending", "delivered", "dead", "cancelled"


def _when(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


@dataclass(frozen=True)
class Subscription:
    """A webhook subscription (its secret is never read back here)."""

    id: str
    url: str
    event_types: tuple[str, ...]
    description: str
    start_after: int
    created_at: datetime
    created_by: str
    deleted_at: datetime | None
    delivered_total: int
    failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription, and how its delivery went so far."""

    id: int
    subscription_id: str
    event_id: str
    position: int
    type: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    dead_at: datetime | None
    last_status_code: int | None
    last_error: str | None


def _subscription(row: Any) -> Subscription:
    return Subscription(
        row.id,
        row.url,
        tuple(row.event_types),
        row.description,
        int(row.start_after),
        utc(row.created_at),
        row.created_by,
        _when(row.deleted_at),
        int(row.delivered_total),
        int(row.failures),
        _when(row.last_success_at),
        _when(row.last_failure_at),
        row.last_error,
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        int(row.id),
        row.subscription_id,
        row.event_id,
        int(row.position),
        row.type,
        row.subject,
        row.status,
        int(row.attempts),
        utc(row.next_attempt_at),
        utc(row.created_at),
        _when(row.last_attempt_at),
        _when(row.delivered_at),
        _when(row.dead_at),
        row.last_status_code,
        row.last_error,
    )


class WebhookStore:
    """Subscriptions and deliveries on one connection (the caller owns the transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- subscriptions -------------------------------------------------------------------
    def add_subscription(
        self,
        *,
        subscription_id: str,
        url: str,
        event_types: Sequence[str],
        description: str,
        secret: str,
        now: datetime,
        actor: str,
    ) -> Subscription:
        """Store a subscription; it receives events written after this moment."""
        self.connection.execute(
            insert(_SUBS).values(
                id=subscription_id,
                url=url,
                event_types=list(event_types),
                description=description,
                secret=secret,
                start_after=max_position(self.connection),
                created_at=now,
                created_by=actor,
                delivered_total=0,
                failures=0,
            )
        )
        found = self.subscription(subscription_id)
        assert found is not None
        return found

    def subscriptions(self, *, include_deleted: bool = False) -> list[Subscription]:
        """Subscriptions, oldest first."""
        query = select(_SUBS).order_by(_SUBS.c.created_at, _SUBS.c.id)
        if not include_deleted:
            query = query.where(_SUBS.c.deleted_at.is_(None))
        return [_subscription(r) for r in self.connection.execute(query)]

    def subscription(self, subscription_id: str) -> Subscription | None:
        """One subscription (deleted ones too)."""
        row = self.connection.execute(select(_SUBS).where(_SUBS.c.id == subscription_id)).first()
        return _subscription(row) if row is not None else None

    def endpoints(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """URL and secret of each subscription."""
        rows = self.connection.execute(
            select(_SUBS.c.id, _SUBS.c.url, _SUBS.c.secret).where(_SUBS.c.id.in_(list(ids)))
        )
        return {r.id: (r.url, r.secret) for r in rows}

    def delete_subscription(self, subscription_id: str, now: datetime) -> bool:
        """Stop a subscription and cancel what it has pending; False if none was active."""
        done = self.connection.execute(
            update(_SUBS)
            .where(_SUBS.c.id == subscription_id, _SUBS.c.deleted_at.is_(None))
            .values(deleted_at=now)
        )
        if done.rowcount != 1:
            return False
        self.connection.execute(
            update(_DELIVERIES)
            .where(
                _DELIVERIES.c.subscription_id == subscription_id, _DELIVERIES.c.status == PENDING
            )
            .values(status=CANCELLED)
        )
        return True

    # -- deliveries ----------------------------------------------------------------------
    def add_deliveries(self, rows: Sequence[dict[str, Any]]) -> None:
        """Queue deliveries; one already queued for the same subscription and event is kept."""
        if not rows:
            return
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(_DELIVERIES).on_conflict_do_nothing(
            index_elements=["subscription_id", "event_id"]
        )
        self.connection.execute(statement, list(rows))

    def pending_for(self, subscription_id: str, limit: int) -> list[Delivery]:
        """A subscription's oldest pending deliveries, in queue order."""
        rows = self.connection.execute(
            select(_DELIVERIES)
            .where(
                _DELIVERIES.c.subscription_id == subscription_id,
                _DELIVERIES.c.status == PENDING,
            )
            .order_by(_DELIVERIES.c.id)
            .limit(limit)
        )
        return [_delivery(r) for r in rows]

    def record(
        self,
        results: Sequence[tuple[Delivery, DeliveryResult]],
        now: datetime,
        max_attempts: int,
        delay: Callable[[int], float],
    ) -> None:
        """Store how each try went: delivered, retried after `delay(attempts)`, or dead."""
        for delivery, result in results:
            attempts = delivery.attempts + 1
            values: dict[str, Any] = {
                "attempts": attempts,
                "last_attempt_at": now,
                "last_status_code": result.status_code,
                "last_error": (result.error or "")[:ERROR_TEXT_LIMIT] or None,
            }
            if result.ok:
                values |= {"status": DELIVERED, "delivered_at": now}
            elif attempts >= max_attempts:
                values |= {"status": DEAD, "dead_at": now}
            else:
                values["next_attempt_at"] = now + timedelta(seconds=delay(attempts))
            self.connection.execute(
                update(_DELIVERIES).where(_DELIVERIES.c.id == delivery.id).values(**values)
            )
            counters: dict[str, Any] = (
                {"delivered_total": _SUBS.c.delivered_total + 1, "last_success_at": now}
                if result.ok
                else {
                    "failures": _SUBS.c.failures + 1,
                    "last_failure_at": now,
                    "last_error": (result.error or "")[:ERROR_TEXT_LIMIT],
                }
            )
            self.connection.execute(
                update(_SUBS).where(_SUBS.c.id == delivery.subscription_id).values(**counters)
            )

    def delivery(self, delivery_id: int) -> Delivery | None:
        """One delivery."""
        row = self.connection.execute(
            select(_DELIVERIES).where(_DELIVERIES.c.id == delivery_id)
        ).first()
        return _delivery(row) if row is not None else None

    def dead_letters(
        self, subscription_id: str | None, after_id: int, limit: int
    ) -> list[Delivery]:
        """Dead deliveries after an id (cursor), oldest first."""
        query = (
            select(_DELIVERIES)
            .where(_DELIVERIES.c.status == DEAD, _DELIVERIES.c.id > after_id)
            .order_by(_DELIVERIES.c.id)
            .limit(limit)
        )
        if subscription_id is not None:
            query = query.where(_DELIVERIES.c.subscription_id == subscription_id)
        return [_delivery(r) for r in self.connection.execute(query)]

    def replay(self, delivery_id: int, now: datetime) -> bool:
        """Queue a dead delivery again with a fresh set of attempts; False if not dead."""
        done = self.connection.execute(
            update(_DELIVERIES)
            .where(_DELIVERIES.c.id == delivery_id, _DELIVERIES.c.status == DEAD)
            .values(status=PENDING, attempts=0, next_attempt_at=now, dead_at=None)
        )
        return done.rowcount == 1

    def queue_stats(self) -> dict[str, dict[str, Any]]:
        """Per subscription: pending count, oldest pending time, dead letters."""
        rows = self.connection.execute(
            select(
                _DELIVERIES.c.subscription_id,
                _DELIVERIES.c.status,
                func.count(),
                func.min(_DELIVERIES.c.created_at),
            )
            .where(_DELIVERIES.c.status.in_([PENDING, DEAD]))
            .group_by(_DELIVERIES.c.subscription_id, _DELIVERIES.c.status)
        )
        stats: dict[str, dict[str, Any]] = {}
        for subscription_id, status, count, oldest in rows:
            entry = stats.setdefault(subscription_id, {"pending": 0, "oldest": None, "dead": 0})
            if status == PENDING:
                entry["pending"], entry["oldest"] = int(count), _when(oldest)
            else:
                entry["dead"] = int(count)
        return stats
