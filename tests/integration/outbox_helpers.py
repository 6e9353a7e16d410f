"""Support for the outbox relay tests: settings, a webhook receiver, a NATS server, polling."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from backorder.adapters.outbox.publishing import Publisher
from backorder.adapters.outbox.relay import Relay, build_relay
from backorder.adapters.outbox.settings import RelaySettings
from backorder.bootstrap import Application
from backorder.domain import events

NATS_SERVER = "/usr/sbin/nats-server"


def relay_settings(**overrides: Any) -> RelaySettings:
    """Fast settings for tests: short pauses, few attempts, no broker unless given."""
    values: dict[str, Any] = {
        "nats_url": None,
        "event_source": "urn:backorder:test",
        "relay_poll_seconds": 0.01,
        "relay_backoff_initial_seconds": 0.01,
        "relay_backoff_max_seconds": 0.05,
        "relay_gap_settle_seconds": 30.0,
        "relay_lease_seconds": 5.0,
        "webhook_max_attempts": 3,
        "webhook_backoff_initial_seconds": 0.05,
        "webhook_backoff_max_seconds": 0.2,
        "webhook_timeout_seconds": 2.0,
    }
    return RelaySettings(**(values | overrides))


RelayFactory = Callable[..., Relay]


@pytest.fixture
def make_relay(application: Application) -> Iterator[RelayFactory]:
    """Build relays on the application's engine; each is stopped (its lead released) after."""
    made: list[Relay] = []

    def make(publisher: Publisher | None = None, **settings: Any) -> Relay:
        relay = build_relay(application.engine, relay_settings(**settings), publisher=publisher)
        made.append(relay)
        return relay

    yield make
    for relay in made:
        relay.stop()


def record(application: Application, *happened: events.Event) -> None:
    """Commit events through the service's unit of work (one transaction)."""
    with application.context.unit_of_work() as uow:
        for event in happened:
            uow.record(event)
        uow.commit()


def pump(relay: Relay, done: Callable[[], bool], timeout: float = 10.0) -> None:
    """Run relay passes (failures included) until `done()` or the timeout."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("the relay did not get there in time")
        for worker in relay.workers:
            if worker.attempt() is None:  # failed and counted: retried, as the loop would
                time.sleep(0.02)
        time.sleep(0.005)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, *, open_: bool, timeout: float = 10.0) -> None:
    """Poll until the port accepts (or refuses) connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if open_:
                    return
        except OSError:
            if not open_:
                return
        time.sleep(0.02)
    raise AssertionError(f"port {port} did not {'open' if open_ else 'close'} in time")


# -- webhook receiver ---------------------------------------------------------------------


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        """The envelope posted."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A local HTTP endpoint: records every POST and answers what `answer` says."""

    answer: Callable[[dict[str, Any]], int] = lambda _event: 200
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        """Where to send webhooks."""
        return f"http://127.0.0.1:{self.port}/hooks"

    def delivered(self) -> list[dict[str, Any]]:
        """Envelopes answered with 2xx, in arrival order."""
        return [r.event for r in list(self.requests) if 200 <= r.status < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free port, in a thread."""
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = found.answer(json.loads(body))
            found.requests.append(Received(self.path, dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


# -- a NATS server of our own ---------------------------------------------------------------


class NatsServer:
    """`nats-server -js` on a free port with a temporary store; can stop and start again."""

    def __init__(self, store: Path, binary: str = NATS_SERVER) -> None:
        self.binary = binary
        self.port = free_port()
        self.store = store
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its client URL."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, open_=True)

    def stop(self) -> None:
        """Stop it (as an outage would) and wait until the port is closed."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        wait_for_port(self.port, open_=False)

    def stream_messages(self, stream: str) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
        """Every message in the stream, in stream order, read by a pull consumer."""

        async def read() -> list[tuple[str, dict[str, str], dict[str, Any]]]:
            client = await nats.connect(self.url)
            try:
                js = client.jetstream()
                total = (await js.stream_info(stream)).state.messages
                subscription = await js.pull_subscribe(
                    "backorder.events.>",
                    stream=stream,
                    config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
                )
                found: list[tuple[str, dict[str, str], dict[str, Any]]] = []
                while len(found) < total:
                    for msg in await subscription.fetch(min(500, total - len(found)), timeout=2):
                        found.append((msg.subject, dict(msg.headers or {}), json.loads(msg.data)))
                        await msg.ack()
                return found
            finally:
                await client.close()

        return asyncio.run(read())


def nats_server_binary() -> str:
    """The nats-server binary; skip (fail under CI=true) without it."""
    if os.access(NATS_SERVER, os.X_OK):
        return NATS_SERVER
    found = shutil.which("nats-server")
    if found:
        return found
    message = "nats-server is not installed"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: services must run)")
    pytest.skip(message)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A JetStream server of this test's own."""
    server = NatsServer(tmp_path / "jetstream", nats_server_binary())
    server.start()
    yield server
    server.stop()


def by_subject(events_: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """Event ids per subject, in the given order."""
    grouped: dict[str, list[str]] = {}
    for event in events_:
        grouped.setdefault(event["subject"], []).append(event["id"])
    return grouped
