"""The NATS consumer of the outbox: publish in position order, mark published on ack.

Rows go out in waves that hold at most one event per subject (aggregate): a wave is
in flight at once, and the next wave leaves only when every message of this one is
acknowledged. When any message of a wave fails, the pass stops there: the acked ones are
marked, the cursor stops before the first row not done, and the next pass retries from
it. So no event is marked before the broker stored it, and no event of an aggregate is
sent while an earlier one of that aggregate is unacknowledged. A crash between publish
and mark republishes the same `Nats-Msg-Id`, which the broker drops as a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import Engine

from backorder.adapters.db import writer
from backorder.adapters.outbox.nats import OutgoingMessage, PublishError
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.outbox.store import ConsumerStore, mark_published, outbox_after
from backorder.adapters.outbox.tail import hole_watch, settled
from backorder.events import channels
from backorder.events.envelope import STRUCTURED_CONTENT_TYPE, encode, envelope

log = structlog.get_logger(__name__)
Row = Mapping[str, Any]


class Publisher(Protocol):
    """What the relay needs of a broker."""

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[Exception | None]:
        """Publish; per message None when stored (or a known duplicate), else the error."""

    def close(self) -> None:
        """Release connections."""


def utcnow() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(UTC)


def waves(rows: Sequence[Row]) -> list[list[Row]]:
    """Split rows (in position order) so that each wave has at most one row per subject."""
    result: list[list[Row]] = []
    last_wave: dict[str, int] = {}
    for row in rows:
        index = last_wave.get(row["subject"], -1) + 1
        if index == len(result):
            result.append([])
        result[index].append(row)
        last_wave[row["subject"]] = index
    return result


def message(row: Row, source: str) -> OutgoingMessage:
    """The NATS message of an outbox row."""
    return OutgoingMessage(
        subject=channels.nats_subject(row["type"]),
        body=encode(envelope(row, source)),
        headers={
            channels.MSG_ID_HEADER: row["event_id"],
            "Content-Type": STRUCTURED_CONTENT_TYPE,
        },
    )


class NatsRelay:
    """One pass: read settled rows after the cursor, publish them, mark and advance."""

    name = "nats"

    def __init__(
        self,
        engine: Engine,
        publisher: Publisher,
        settings: RelaySettings,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_acked: Callable[[Sequence[int]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.publisher = publisher
        self.settings = settings
        self.source = settings.source
        self.clock = clock
        self.on_acked = on_acked
        self.store = ConsumerStore(engine, self.name)
        self.watch = hole_watch(engine)
        self._position: int | None = None

    def reset(self) -> None:
        """Forget the cached cursor (after losing or regaining the lead)."""
        self._position = None

    def step(self, holder: str) -> int:
        """Publish what is waiting (one batch); returns the rows handled."""
        if self._position is None:
            self._position = self.store.state().position
        position = self._position
        self.watch.refresh()  # before the read: a hole found dead stays dead
        with self.engine.connect() as connection:
            rows = outbox_after(connection, position, self.settings.relay_batch_size)
        rows = rows[
            : settled(
                rows, position, self.clock(), self.settings.relay_gap_settle_seconds, self.watch
            )
        ]
        if not rows:
            return 0
        acked, error = self._publish(r for r in rows if r["published_at"] is None)
        done = acked | {int(r["position"]) for r in rows if r["published_at"] is not None}
        cursor = position
        for row in rows:
            if int(row["position"]) not in done:
                break
            cursor = int(row["position"])
        now = self.clock()
        with writer(self.engine).begin() as connection:
            mark_published(connection, sorted(acked), now)
            self.store.advance(connection, holder, position=cursor, delivered=len(acked), now=now)
        self._position = cursor
        self.watch.forget_below(cursor)
        if error is not None:
            raise error
        return len(rows)

    def _publish(self, rows: Iterable[Row]) -> tuple[set[int], PublishError | None]:
        acked: set[int] = set()
        for wave in waves(list(rows)):
            results = self.publisher.publish([message(r, self.source) for r in wave])
            stored = [int(r["position"]) for r, e in zip(wave, results, strict=True) if e is None]
            acked.update(stored)
            if self.on_acked is not None and stored:
                self.on_acked(stored)
            failed = [e for e in results if e is not None]
            if failed:
                return acked, PublishError(f"{len(failed)} of {len(wave)} not acked: {failed[0]}")
        return acked, None

    def close(self) -> None:
        """Close the broker connection."""
        self.publisher.close()
