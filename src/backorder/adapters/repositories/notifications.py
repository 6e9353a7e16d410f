"""Customer notifications: what was said to whom, and the e-mail sender's queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from backorder.adapters import orm
from backorder.adapters.repositories.cases import aware
from backorder.adapters.repositories.tasks import dialect_insert, ignoring_duplicates
from backorder.domain.notifications import NotificationStatus

_TOLD = (NotificationStatus.QUEUED.value, NotificationStatus.SENT.value)


@dataclass(frozen=True)
class LineContext:
    """What a notice about a line shows, read in one query."""

    line_id: int
    order_id: str
    line_number: int
    customer: str
    customer_name: str
    channel: str
    email: str | None
    sku: str
    description: str
    quantity: int
    shipped_quantity: int
    backordered_quantity: int
    requested_date: date
    promise_date: date | None
    last_reason: str | None  # why the promise last moved (promise history)


@dataclass(frozen=True)
class Told:
    """The promise a customer last heard for a line."""

    promise: date | None


@dataclass(frozen=True)
class NotificationRecord:
    """A stored notification."""

    notification_id: int
    customer: str
    order_id: str
    line_id: int
    case_id: str | None
    kind: str
    channel: str
    recipient: str | None
    subject: str
    text: str
    html: str
    old_promise: date | None
    new_promise: date | None
    status: str
    reason: str | None
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    dedupe_key: str


@dataclass(frozen=True)
class NoticeContext:
    """Everything deciding a notice about a line reads, read in one query."""

    line: LineContext
    told: Told | None  # the latest notice of the line that went (or goes) out
    told_today: int  # notices of the order that went (or go) out in the day asked about
    duplicate: bool  # a notice with the dedupe key asked about is stored


def _line_context_columns() -> list[Any]:
    lines, customers, items = orm.order_lines, orm.customers, orm.items
    history = orm.promise_history
    last_reason = (
        select(history.c.reason)
        .where(history.c.line_id == lines.c.line_id)
        .order_by(history.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return [
        lines.c.line_id,
        lines.c.order_id,
        lines.c.line_number,
        lines.c.customer,
        func.coalesce(customers.c.name, lines.c.customer).label("customer_name"),
        func.coalesce(customers.c.notification_channel, "none").label("channel"),
        customers.c.email,
        lines.c.sku,
        func.coalesce(items.c.description, "").label("description"),
        lines.c.quantity,
        lines.c.shipped_quantity,
        lines.c.backordered_quantity,
        lines.c.requested_date,
        lines.c.promise_date,
        last_reason.label("last_reason"),
    ]


def _notice_context() -> Any:
    lines, customers, items, table = orm.order_lines, orm.customers, orm.items, orm.notifications
    latest_told = (
        select(table.c.notification_id, table.c.new_promise)
        .where(table.c.line_id == lines.c.line_id, table.c.status.in_(_TOLD))
        .order_by(table.c.notification_id.desc())
        .limit(1)
    )
    told_today = (
        select(func.count())
        .where(
            table.c.order_id == lines.c.order_id,
            table.c.status.in_(_TOLD),
            table.c.created_at >= bindparam("since", type_=table.c.created_at.type),
            table.c.created_at < bindparam("until", type_=table.c.created_at.type),
        )
        .scalar_subquery()
    )
    duplicate = exists().where(
        table.c.dedupe_key == bindparam("dedupe_key", type_=table.c.dedupe_key.type)
    )
    return (
        select(
            *_line_context_columns(),
            latest_told.with_only_columns(table.c.notification_id)
            .scalar_subquery()
            .label("told_id"),
            latest_told.with_only_columns(table.c.new_promise)
            .scalar_subquery()
            .label("told_promise"),
            told_today.label("told_today"),
            duplicate.label("duplicate"),
        )
        .select_from(lines)
        .outerjoin(customers, customers.c.code == lines.c.customer)
        .outerjoin(items, items.c.sku == lines.c.sku)
        .where(lines.c.line_id == bindparam("line_id"))
    )


# Prepared once, reused with new values (a notice per case evaluation reads them).
_LINE_CONTEXT = (
    select(*_line_context_columns())
    .select_from(orm.order_lines)
    .outerjoin(orm.customers, orm.customers.c.code == orm.order_lines.c.customer)
    .outerjoin(orm.items, orm.items.c.sku == orm.order_lines.c.sku)
    .where(orm.order_lines.c.line_id == bindparam("line_id"))
)
_NOTICE_CONTEXT = _notice_context()
_LINE_CONTEXT_FIELDS = tuple(f.name for f in fields(LineContext))
_LOCK_ORDER_OF_LINE = (
    select(orm.orders.c.order_id)
    .join(orm.order_lines, orm.order_lines.c.order_id == orm.orders.c.order_id)
    .where(orm.order_lines.c.line_id == bindparam("line_id"))
    .with_for_update(of=orm.orders)
)
_ADD = {
    name: statement.returning(orm.notifications.c.notification_id)
    for name, statement in ignoring_duplicates(orm.notifications).items()
}


def _record(row: Any) -> NotificationRecord:
    values = dict(row._mapping)
    for name in ("created_at", "sent_at", "next_attempt_at"):
        values[name] = aware(values[name])
    return NotificationRecord(**values)


class NotificationRepository:
    """Notifications on one connection (inside the unit of work)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def line_context(self, line_id: int) -> LineContext | None:
        """The line, its customer and item, and the reason its promise last moved."""
        row = self.connection.execute(_LINE_CONTEXT, {"line_id": line_id}).first()
        return LineContext(**row._mapping) if row is not None else None

    def notice_context(
        self, line_id: int, dedupe_key: str, since: datetime, until: datetime
    ) -> NoticeContext | None:
        """What a notice about the line decides on, in one query; None without the line.

        That is `line_context`, `last_told`, `told_count` of its order in [since, until)
        and `exists(dedupe_key)`. On PostgreSQL, lock the order first (`lock_line_order`).
        """
        row = self.connection.execute(
            _NOTICE_CONTEXT,
            {"line_id": line_id, "dedupe_key": dedupe_key, "since": since, "until": until},
        ).first()
        if row is None:
            return None
        return NoticeContext(
            line=LineContext(**{name: getattr(row, name) for name in _LINE_CONTEXT_FIELDS}),
            told=Told(row.told_promise) if row.told_id is not None else None,
            told_today=int(row.told_today),
            duplicate=bool(row.duplicate),
        )

    def lock_line_order(self, line_id: int) -> None:
        """`lock_order` for the order of a line (PostgreSQL; SQLite needs nothing)."""
        if self.connection.dialect.name == "sqlite":
            return
        self.connection.execute(_LOCK_ORDER_OF_LINE, {"line_id": line_id}).all()

    def item_description(self, sku: str) -> str | None:
        """An item's description, or None when the item is unknown."""
        found: str | None = self.connection.execute(
            select(orm.items.c.description).where(orm.items.c.sku == sku)
        ).scalar_one_or_none()
        return found

    def lock_order(self, order_id: str) -> None:
        """Serialise notices of one order until the end of the transaction (PostgreSQL).

        Two cases of the same order may decide notices at once; the daily limit must see
        both. SQLite needs nothing: the write lock is the database's.
        """
        if self.connection.dialect.name == "sqlite":
            return
        self.connection.execute(
            select(orm.orders.c.order_id).where(orm.orders.c.order_id == order_id).with_for_update()
        ).all()

    def has_news(self, name: str) -> bool:
        """True when an outbox reader has no cursor yet or events wait after it (no lock)."""
        cursors = orm.dispatch_cursors
        position = self.connection.execute(
            select(cursors.c.position).where(cursors.c.name == name)
        ).scalar_one_or_none()
        if position is None:
            return True
        end = self.connection.execute(select(func.max(orm.outbox.c.position))).scalar_one()
        return end is not None and int(end) > int(position)

    def any_due(self, now: datetime) -> bool:
        """True when a queued e-mail is due by `now` (a cheap look before claiming)."""
        table = orm.notifications
        found = self.connection.execute(
            select(table.c.notification_id)
            .where(
                table.c.status == NotificationStatus.QUEUED.value,
                table.c.next_attempt_at <= now,
            )
            .limit(1)
        ).first()
        return found is not None

    def claim_cursor(self, name: str) -> int | None:
        """Lock an outbox reader's cursor until commit and return it; None for a new reader.

        A new reader starts at the end of the outbox: notices are about what happens from
        now on, not about every shipment in the database's past.
        """
        cursors = orm.dispatch_cursors
        row = self.connection.execute(
            select(cursors.c.position).where(cursors.c.name == name).with_for_update()
        ).first()
        if row is not None:
            return int(row.position)
        end = self.connection.execute(select(func.max(orm.outbox.c.position))).scalar_one()
        try:
            with self.connection.begin_nested():
                self.connection.execute(insert(cursors).values(name=name, position=end or 0))
        except IntegrityError:
            pass  # another reader created it at the same moment
        return None

    def exists(self, dedupe_key: str) -> bool:
        """True when a notification with this key was stored."""
        table = orm.notifications
        found = self.connection.execute(
            select(table.c.notification_id).where(table.c.dedupe_key == dedupe_key)
        ).first()
        return found is not None

    def last_told(self, line_id: int) -> Told | None:
        """The promise of the line's latest notice that went (or goes) out, if any."""
        table = orm.notifications
        row = self.connection.execute(
            select(table.c.new_promise)
            .where(table.c.line_id == line_id, table.c.status.in_(_TOLD))
            .order_by(table.c.notification_id.desc())
            .limit(1)
        ).first()
        return Told(row.new_promise) if row is not None else None

    def told_count(self, order_id: str, since: datetime, until: datetime) -> int:
        """Notices of an order that went (or go) out, created in [since, until)."""
        table = orm.notifications
        return int(
            self.connection.execute(
                select(func.count()).where(
                    table.c.order_id == order_id,
                    table.c.status.in_(_TOLD),
                    table.c.created_at >= since,
                    table.c.created_at < until,
                )
            ).scalar_one()
        )

    def add(self, row: dict[str, Any]) -> int | None:
        """Store a notification; None when one with the same dedupe key exists."""
        # A concurrent writer of the same key wins: nothing is inserted.
        result = self.connection.execute(dialect_insert(_ADD, self.connection), row)
        found = result.scalar_one_or_none()
        return int(found) if found is not None else None

    def get(self, notification_id: int) -> NotificationRecord | None:
        """One notification, or None."""
        table = orm.notifications
        row = self.connection.execute(
            select(table).where(table.c.notification_id == notification_id)
        ).first()
        return _record(row) if row is not None else None

    def of_order(self, order_id: str) -> list[NotificationRecord]:
        """An order's notifications, oldest first."""
        table = orm.notifications
        rows = self.connection.execute(
            select(table).where(table.c.order_id == order_id).order_by(table.c.notification_id)
        )
        return [_record(r) for r in rows]

    def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> list[NotificationRecord]:
        """Queued e-mails due by `now`, leased to this sender until `lease_until`.

        The lease (moving the next attempt out) keeps other senders off them; a sender that
        dies mid-way lets the lease run out and the e-mail is tried again.
        """
        table = orm.notifications
        rows = self.connection.execute(
            select(table)
            .where(
                table.c.status == NotificationStatus.QUEUED.value,
                table.c.next_attempt_at <= now,
            )
            .order_by(table.c.next_attempt_at, table.c.notification_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = [_record(r) for r in rows]
        if claimed:
            self.connection.execute(
                update(table)
                .where(table.c.notification_id.in_([c.notification_id for c in claimed]))
                .values(attempts=table.c.attempts + 1, next_attempt_at=lease_until)
            )
        return [replace(c, attempts=c.attempts + 1) for c in claimed]

    def mark_sent(self, notification_id: int, now: datetime) -> None:
        """The channel accepted the notification."""
        self._set(
            notification_id,
            status=NotificationStatus.SENT.value,
            sent_at=now,
            next_attempt_at=None,
            last_error=None,
        )

    def mark_retry(self, notification_id: int, at: datetime, error: str) -> None:
        """Sending failed for now: try again at `at`."""
        self._set(notification_id, next_attempt_at=at, last_error=error[:2000])

    def mark_failed(self, notification_id: int, error: str) -> None:
        """Sending failed for good."""
        self._set(
            notification_id,
            status=NotificationStatus.FAILED.value,
            reason=error[:400],
            last_error=error[:2000],
            next_attempt_at=None,
        )

    def count_by_status(self, order_ids: Sequence[str] | None = None) -> dict[str, int]:
        """Notifications per status (of some orders, or all)."""
        table = orm.notifications
        query = select(table.c.status, func.count()).group_by(table.c.status)
        if order_ids is not None:
            query = query.where(table.c.order_id.in_(list(order_ids)))
        return {r[0]: int(r[1]) for r in self.connection.execute(query)}

    def _set(self, notification_id: int, **values: Any) -> None:
        table = orm.notifications
        self.connection.execute(
            update(table).where(table.c.notification_id == notification_id).values(**values)
        )
