"""The durable JetStream pull consumer of canonical inbound messages.

Each fetch (up to `batch_size` messages) is validated, applied in one transaction by
`apply_messages` (which stores every message id with its effect), and only then acked, so a
consumer killed at any point loses nothing and applies nothing twice: what was committed
but not acked comes back and is recognised as a duplicate; what was not committed comes
back and is applied. While one batch is applied, the next is fetched and validated.

A batch whose transaction fails for a reason other than the database's availability (a
handler bug triggered by one message) is split in halves, applied in order, until the
message at fault is alone: its neighbours commit in a few transactions, not one each.

Poison messages go to `<prefix>.dead.<type>` with the error, and are acked: a payload that
does not validate at once; a message a handler refused `max_deliveries` times (counted in
the database, so outages do not count); a message that crashed the handler that often.
Others are redelivered after a growing delay. When the database is unreachable nothing is
dead-lettered: the batch is redelivered until it is back.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass

import nats
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from backorder.adapters.inbound.stream import InboundStreamConfig, dead_letter_body, subscribe
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.inbound import (
    MessageResult,
    apply_messages,
    record_dead_letter,
)
from backorder.service_layer.handlers.inbound_messages import (
    MESSAGE_TYPES,
    AnyMessage,
    parse_message,
)

ACTOR = "nats inbound consumer (integration)"
FETCH_TIMEOUT_SECONDS = 1.0
TRANSIENT_RETRY_SECONDS = 5.0
# The database is unreachable or busy: retry the batch later, never dead-letter for it.
TRANSIENT = (OperationalError, InterfaceError, PoolTimeoutError)
log = structlog.get_logger(__name__)

Result = MessageResult | Exception
Parsed = AnyMessage | ValidationError
Fetched = list[tuple[Msg, Parsed]]


@dataclass
class ConsumerStats:
    """What a consumer run did."""

    batches: int = 0
    messages: int = 0
    applied: int = 0
    duplicates: int = 0
    redelivered: int = 0
    dead_lettered: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        """JSON-ready."""
        return asdict(self)


def _short(error: ValidationError) -> str:
    parts = []
    for found in error.errors()[:5]:
        # The union of message types puts the type tag first in each location: drop it.
        where = [str(p) for p in found["loc"] if str(p) not in MESSAGE_TYPES]
        parts.append(f"{'.'.join(where) or '(message)'}: {found['msg']}")
    return "invalid payload: " + "; ".join(parts)


def _parse(data: bytes) -> Parsed:
    try:
        return parse_message(data)
    except ValidationError as error:
        return error


def _declared_type(data: bytes) -> str | None:
    """The message type a payload claims, if it is one we know (for the dead-letter subject)."""
    try:
        claimed = json.loads(data).get("type")
    except (ValueError, AttributeError):
        return None
    return claimed if claimed in MESSAGE_TYPES else None


class InboundConsumer:
    """Reads the inbound stream and applies it, batch by batch, until stopped."""

    def __init__(
        self, ctx: ServiceContext, config: InboundStreamConfig, *, actor: str = ACTOR
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.actor = actor
        self.stats = ConsumerStats()

    async def run(
        self, stop: asyncio.Event | None = None, *, idle_exit: float | None = None
    ) -> ConsumerStats:
        """Consume until `stop` is set (or, with `idle_exit`, after that many idle seconds)."""
        stop = stop or asyncio.Event()
        started = time.monotonic()
        connection = await nats.connect(
            self.config.url, name="backorder-inbound", max_reconnect_attempts=-1
        )
        try:
            js = connection.jetstream()
            subscription = await subscribe(js, self.config)
            log.info(
                "inbound_consumer_started",
                stream=self.config.stream,
                subjects=self.config.inbound_subjects,
                durable=self.config.durable,
            )
            idle_since = time.monotonic()
            ahead = asyncio.create_task(self._fetch(subscription))
            while True:
                messages = await ahead
                if stop.is_set():
                    await self._hand_back(messages)
                    await connection.flush()
                    break
                if not messages:
                    if idle_exit is not None and time.monotonic() - idle_since >= idle_exit:
                        break
                    ahead = asyncio.create_task(self._fetch(subscription))
                    continue
                # Fetch the next batch while this one is applied.
                ahead = asyncio.create_task(self._fetch(subscription))
                await self._handle(js, messages)
                await connection.flush()
                # Idle from the end of the work: a slow batch's redeliveries are still due.
                idle_since = time.monotonic()
        finally:
            await connection.close()
            self.stats.seconds = time.monotonic() - started
            log.info("inbound_consumer_stopped", **self.stats.as_dict())
        return self.stats

    async def _fetch(self, subscription: JetStreamContext.PullSubscription) -> Fetched:
        try:
            found: list[Msg] = await subscription.fetch(
                self.config.batch_size, timeout=FETCH_TIMEOUT_SECONDS
            )
        except (nats.errors.TimeoutError, TimeoutError):  # the client raises either
            return []
        except nats.errors.Error as error:  # reconnecting, or the server went away
            log.warning("inbound_fetch_failed", error=repr(error))
            await asyncio.sleep(1.0)
            return []
        # Validated here, ahead of its turn: the batch being applied meanwhile mostly waits
        # on the database in its thread, so this costs the consumer (almost) no time.
        return [(message, _parse(message.data)) for message in found]

    async def _hand_back(self, messages: Fetched) -> None:
        """Messages fetched but not started: let another consumer have them at once."""
        for message, _ in messages:
            await message.nak()

    async def _handle(self, js: JetStreamContext, batch: Fetched) -> None:
        self.stats.batches += 1
        self.stats.messages += len(batch)
        valid: list[tuple[Msg, AnyMessage]] = []
        for message, parsed in batch:
            if isinstance(parsed, ValidationError):
                await self._dead_letter(
                    js, message, None, _short(parsed), _declared_type(message.data)
                )
            else:
                valid.append((message, parsed))
        if not valid:
            return
        try:
            results = await self._apply([m for _, m in valid])
        except TRANSIENT as error:
            log.warning("inbound_batch_retried", error=str(error).splitlines()[0])
            for message, _ in valid:
                await message.nak(delay=TRANSIENT_RETRY_SECONDS)
            self.stats.redelivered += len(valid)
            await asyncio.sleep(1.0)  # give the database a moment before the next batch
            return
        for (message, parsed), result in zip(valid, results, strict=True):
            await self._settle(js, message, parsed, result)

    async def _apply(self, messages: list[AnyMessage]) -> list[Result]:
        """Results in order; a batch that breaks a handler is bisected to isolate the culprit.

        The halves run one after the other, so messages sharing a key still apply in the
        order received; what a committed half did is recognised as a duplicate if a later
        transient failure sends the whole batch back.
        """
        try:
            found: list[Result] = list(
                await asyncio.to_thread(apply_messages, self.ctx, messages, self.actor)
            )
            return found
        except TRANSIENT:
            raise
        except Exception as error:
            if len(messages) == 1:  # a bug, reported on the message that triggers it
                log.exception("inbound_message_failed", message_id=messages[0].message_id)
                return [error]
            log.warning("inbound_batch_split", messages=len(messages), error=repr(error))
        middle = len(messages) // 2
        return await self._apply(messages[:middle]) + await self._apply(messages[middle:])

    async def _settle(
        self, js: JetStreamContext, message: Msg, parsed: AnyMessage, result: Result
    ) -> None:
        if isinstance(result, MessageResult) and result.done:
            await message.ack()
            if result.outcome == "applied":
                self.stats.applied += 1
            else:
                self.stats.duplicates += 1
            return
        if isinstance(result, MessageResult):
            attempts, error = result.attempts, result.error or result.outcome
        else:
            attempts, error = message.metadata.num_delivered, f"handler failed: {result!r}"
        if attempts >= self.config.max_deliveries:
            await self._dead_letter(js, message, parsed, error)
            return
        await message.nak(delay=self.config.redelivery_delay(attempts))
        self.stats.redelivered += 1

    async def _dead_letter(
        self,
        js: JetStreamContext,
        message: Msg,
        parsed: AnyMessage | None,
        error: str,
        declared: str | None = None,
    ) -> None:
        deliveries = message.metadata.num_delivered
        body = dead_letter_body(message.data, message.subject, error, deliveries)
        # The original's stream sequence makes the dead letter's id: a redelivered poison
        # message is parked once.
        dead_id = f"dead-{self.config.stream}-{message.metadata.sequence.stream}"
        await js.publish(
            self.config.dead_letter_subject(parsed.type if parsed else declared),
            body,
            headers={"Nats-Msg-Id": dead_id, "Backorder-Error": error[:200]},
        )
        if parsed is not None:
            await asyncio.to_thread(record_dead_letter, self.ctx, parsed, error)
        await message.ack()
        self.stats.dead_lettered += 1
        log.warning(
            "inbound_message_dead_lettered",
            subject=message.subject,
            message_id=parsed.message_id if parsed else None,
            error=error,
        )
