"""NATS JetStream publisher with a small synchronous interface.

nats-py is asyncio; the relay loop is a plain thread. The publisher keeps its own event
loop on a private thread and hands coroutines to it, so no caller sees async code.
Nothing connects until the first `publish`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import nats
import structlog
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from backorder.events import channels

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class OutgoingMessage:
    """One message for the broker."""

    subject: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class PublishError(RuntimeError):
    """The broker did not take a message (no connection, no ack in time, refused)."""


class NatsPublisher:
    """Publishes to a JetStream stream it creates when missing; acks or errors per message."""

    def __init__(
        self,
        url: str,
        *,
        stream: str = channels.STREAM,
        subjects: Sequence[str] = channels.STREAM_SUBJECTS,
        duplicate_window_seconds: float = channels.MIN_DUPLICATE_WINDOW_SECONDS,
        ack_timeout_seconds: float = 5.0,
        connect_timeout_seconds: float = 2.0,
    ) -> None:
        self.url = url
        self.stream = stream
        self.subjects = list(subjects)
        self.duplicate_window = duplicate_window_seconds
        self.ack_timeout = ack_timeout_seconds
        self.connect_timeout = connect_timeout_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._nc: Any = None
        self._js: Any = None
        self._stream_ready = False
        self._closing = False
        self._lock = threading.Lock()

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="nats-publisher", daemon=True
                )
                self._thread.start()
            loop = self._loop
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()  # what it stored after all is republished and dropped as duplicate
            raise

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[Exception | None]:
        """Publish all at once; per message None (stored, or dropped as a duplicate) or why not.

        Messages go out in the given order on one connection; the caller decides what may
        be in flight together (the relay never sends two of one aggregate at once).
        """
        if not messages:
            return []
        budget = self.connect_timeout + self.ack_timeout * 2 + 5
        try:
            return self._run(self._publish(messages), budget)
        except Exception as error:  # connection or stream set-up failed: nothing was acked
            self._stream_ready = False
            failure = error if isinstance(error, PublishError) else PublishError(repr(error))
            return [failure for _ in messages]

    async def _publish(self, messages: Sequence[OutgoingMessage]) -> list[Exception | None]:
        js = await self._jetstream()
        # Pipelined: every message is written before any ack is awaited; the acks come
        # back on one reply subscription (nats-py's publish_async).
        futures: list[asyncio.Future[Any] | Exception] = []
        for m in messages:
            try:
                futures.append(
                    await js.publish_async(
                        m.subject,
                        m.body,
                        wait_stall=self.ack_timeout,
                        stream=self.stream,
                        headers=dict(m.headers),
                    )
                )
            except Exception as error:  # not even sent (closed connection, too many pending)
                futures.append(error)
        waiting = [f for f in futures if isinstance(f, asyncio.Future)]
        if waiting:
            _, late = await asyncio.wait(waiting, timeout=self.ack_timeout)
            for unanswered in late:
                unanswered.cancel()  # frees its slot; the broker may still store it (deduplicated)
        outcome: list[Exception | None] = []
        for sent in futures:
            if isinstance(sent, Exception):
                outcome.append(PublishError(f"not sent: {sent!r}"))
            elif sent.cancelled():
                outcome.append(PublishError(f"no ack within {self.ack_timeout} s"))
            elif sent.exception() is not None:
                outcome.append(PublishError(f"refused: {sent.exception()!r}"))
            else:
                outcome.append(None)
        if any(outcome):
            # The stream may have gone with a broker that came back empty: check it again.
            self._stream_ready = False
        return outcome

    async def _jetstream(self) -> Any:
        if self._nc is None or self._nc.is_closed:
            self._nc = await nats.connect(
                self.url,
                name="backorder-relay",
                connect_timeout=self.connect_timeout,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                error_cb=self._on_error,
                disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected,
            )
            self._js = self._nc.jetstream(timeout=self.ack_timeout)
            self._stream_ready = False
        if not self._stream_ready:
            await self._ensure_stream()
            self._stream_ready = True
        return self._js

    async def _ensure_stream(self) -> None:
        """Create the stream, or widen an existing one's subjects and duplicate window."""
        try:
            info = await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=self.subjects,
                    duplicate_window=self.duplicate_window,
                    storage=StorageType.FILE,
                )
            )
            log.info("nats_stream_created", stream=self.stream, subjects=self.subjects)
            return
        config = info.config
        missing = [s for s in self.subjects if s not in (config.subjects or [])]
        if missing or (config.duplicate_window or 0) < self.duplicate_window:
            config.subjects = [*(config.subjects or []), *missing]
            config.duplicate_window = max(config.duplicate_window or 0, self.duplicate_window)
            await self._js.update_stream(config)
            log.info("nats_stream_updated", stream=self.stream, subjects=config.subjects)

    async def _on_error(self, error: Exception) -> None:
        log.warning("nats_error", error=repr(error))

    async def _on_disconnected(self) -> None:
        if not self._closing:
            log.warning("nats_disconnected", url=self.url)

    async def _on_reconnected(self) -> None:
        log.info("nats_reconnected", url=self.url)

    def close(self) -> None:
        """Close the connection and stop the private loop."""
        if self._loop is None:
            return
        self._closing = True
        if self._nc is not None and not self._nc.is_closed:
            try:
                self._run(self._nc.close(), self.connect_timeout + 5)
            except Exception as error:  # closing a broken connection may fail; nothing to keep
                log.debug("nats_close_failed", error=repr(error))
        self._nc = None
        loop, self._loop = self._loop, None
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        loop.close()
