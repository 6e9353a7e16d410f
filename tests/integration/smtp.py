"""A real SMTP server on a free local port (aiosmtpd) that records what it is sent.

It can be told to answer DATA with scripted replies (`451 ...` for a temporary failure)
or to refuse recipients (`550`), so retries and permanent failures are exercised against
a real SMTP conversation, not a fake.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from backorder.adapters.notify import SmtpConfig, SmtpMailer


@dataclass
class Received:
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        """The text of the `plain` or `html` alternative."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no {subtype} part"
        content: str = body.get_content()  # type: ignore[attr-defined]
        return content


@dataclass
class Recorder:
    """The server's handler: records accepted messages, answers as scripted."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # answers to DATA before accepting
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.replies:
            return self.replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 accepted"


@dataclass
class SmtpServer:
    """A running local SMTP server."""

    host: str
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        """Messages accepted so far."""
        return self.recorder.received

    def mailer(self) -> SmtpMailer:
        """An SMTP mailer that talks to this server."""
        return SmtpMailer(SmtpConfig(host=self.host, port=self.port, timeout=5.0))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 and a free port, stopped on leaving."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, recorder)
    finally:
        controller.stop()
