"""Cross-cutting records: API keys, the audit log, idempotency keys and the event outbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from backorder.adapters import orm
from backorder.adapters.bulk import insert_rows

# One encoder for every event: `json.dumps` with options builds a new one per call, which
# costs as much as the encoding itself when a batch run stores a million events.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def _json_text(data: Any) -> str:
    return _COMPACT_JSON.encode(data)


@dataclass(frozen=True)
class ApiKeyRecord:
    """A stored API key (the secret only as a hash)."""

    key_id: str
    name: str
    role: str
    secret_hash: str
    revoked: bool


@dataclass(frozen=True)
class IdempotentResponse:
    """The first response given to a request with an idempotency key."""

    request_hash: str
    status_code: int
    response: Any


_AUDIT = insert(orm.audit_log)  # built once; its compiled form is reused
_AUDIT_COLUMNS = ("at", "actor", "action", "subject", "before", "after")
BULK_AUDIT = 200  # above this many pending records, a bulk insert


class PlatformRepository:
    """Keys, audit, idempotency and outbox on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._pending_audit: list[dict[str, Any]] = []

    def add_api_key(
        self, key_id: str, name: str, role: str, secret_hash: str, now: datetime
    ) -> None:
        """Store a new API key."""
        self.connection.execute(
            insert(orm.api_keys).values(
                key_id=key_id, name=name, role=role, secret_hash=secret_hash, created_at=now
            )
        )

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        """A key by its public id."""
        row = self.connection.execute(
            select(orm.api_keys).where(orm.api_keys.c.key_id == key_id)
        ).first()
        if row is None:
            return None
        return ApiKeyRecord(
            row.key_id, row.name, row.role, row.secret_hash, row.revoked_at is not None
        )

    def revoke_api_key(self, key_id: str, now: datetime) -> None:
        """Mark a key revoked: it authenticates no more."""
        self.connection.execute(
            update(orm.api_keys).where(orm.api_keys.c.key_id == key_id).values(revoked_at=now)
        )

    def audit(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        before: Any,
        after: Any,
        now: datetime,
    ) -> None:
        """Append an audit record: who did what to which subject, before and after.

        Records are written together when the unit of work commits (`flush`), in the
        same transaction as the change they describe.
        """
        self._pending_audit.append(
            {
                "at": now,
                "actor": actor,
                "action": action,
                "subject": subject,
                "before": before,
                "after": after,
            }
        )

    def flush(self) -> None:
        """Write what is pending (audit records) to the current transaction."""
        pending, self._pending_audit = self._pending_audit, []
        if len(pending) > BULK_AUDIT:
            # A batch of receipts or orders audits thousands of rows: skip the per-row
            # parameter processing, storing JSON as the column type would (`json.dumps`).
            insert_rows(
                self.connection,
                orm.audit_log,
                _AUDIT_COLUMNS,
                (
                    (
                        r["at"],
                        r["actor"],
                        r["action"],
                        r["subject"],
                        json.dumps(r["before"]),
                        json.dumps(r["after"]),
                    )
                    for r in pending
                ),
            )
        elif pending:
            self.connection.execute(_AUDIT, pending)

    def audit_trail(self, subject: str) -> list[dict[str, Any]]:
        """Audit records of a subject, oldest first."""
        self.flush()
        rows = self.connection.execute(
            select(orm.audit_log)
            .where(orm.audit_log.c.subject == subject)
            .order_by(orm.audit_log.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def idempotent_response(self, key: str, actor: str) -> IdempotentResponse | None:
        """The stored response for this key and caller (status 0: still running)."""
        row = self.connection.execute(
            select(orm.idempotency_keys).where(
                orm.idempotency_keys.c.key == key, orm.idempotency_keys.c.actor == actor
            )
        ).first()
        if row is None:
            return None
        return IdempotentResponse(row.request_hash, row.status_code, row.response)

    def claim_idempotency_key(self, key: str, actor: str, request_hash: str, now: datetime) -> None:
        """Claim a key before the work runs (unique per caller: a concurrent claim fails)."""
        self.connection.execute(
            insert(orm.idempotency_keys).values(
                key=key,
                actor=actor,
                request_hash=request_hash,
                status_code=0,
                response={},
                created_at=now,
            )
        )

    def complete_idempotency_key(
        self, key: str, actor: str, status_code: int, response: Any
    ) -> None:
        """Store the response of the work done under a claimed key."""
        table = orm.idempotency_keys
        self.connection.execute(
            update(table)
            .where(table.c.key == key, table.c.actor == actor)
            .values(status_code=status_code, response=response)
        )

    def release_idempotency_key(self, key: str, actor: str) -> None:
        """Forget a claim whose work failed, so the request can be retried."""
        table = orm.idempotency_keys
        self.connection.execute(delete(table).where(table.c.key == key, table.c.actor == actor))

    def append_events(self, events: list[dict[str, Any]]) -> None:
        """Write events to the outbox in the current transaction (COPY when there are many)."""
        if len(events) > 200:
            columns = ("event_id", "type", "subject", "data", "occurred_at")
            insert_rows(
                self.connection,
                orm.outbox,
                columns,
                (
                    (
                        e["event_id"],
                        e["type"],
                        e["subject"],
                        _json_text(e["data"]),
                        e["occurred_at"],
                    )
                    for e in events
                ),
            )
        elif events:
            self.connection.execute(insert(orm.outbox), events)

    def cursor(self, name: str) -> int:
        """Last outbox position a named reader handled (0 when new)."""
        row = self.connection.execute(
            select(orm.dispatch_cursors.c.position).where(orm.dispatch_cursors.c.name == name)
        ).first()
        return int(row[0]) if row is not None else 0

    def set_cursor(self, name: str, position: int) -> None:
        """Move a named reader's cursor."""
        done = self.connection.execute(
            update(orm.dispatch_cursors)
            .where(orm.dispatch_cursors.c.name == name)
            .values(position=position)
        )
        if not done.rowcount:
            self.connection.execute(
                insert(orm.dispatch_cursors).values(name=name, position=position)
            )

    def events_after(self, position: int, limit: int) -> list[dict[str, Any]]:
        """Outbox events after a position, in order."""
        rows = self.connection.execute(
            select(orm.outbox)
            .where(orm.outbox.c.position > position)
            .order_by(orm.outbox.c.position)
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]
