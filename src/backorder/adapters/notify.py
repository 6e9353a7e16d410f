"""E-mail to customers: a small `Mailer` port, SMTP behind it, and an in-memory fake.

A mailer sends one message or raises `DeliveryError`, saying whether trying again may help
(a full mailbox, a server that is down) or not (an address the server refuses). Nothing
connects until `send` is called.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal, Protocol

from backorder.config import Settings


class DeliveryError(Exception):
    """A message was not accepted; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    """Sends e-mail messages."""

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the mail system, or raise `DeliveryError`."""


def compose(
    *, sender: str, recipient: str, subject: str, text: str, html: str, message_key: str
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML as the richer part.

    `message_key` makes the Message-ID stable across retries, so a receiver can drop a
    duplicate if a retry follows a send whose acknowledgement was lost.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    domain = sender.rpartition("@")[2] or "backorder.invalid"
    message["Message-ID"] = make_msgid(idstring=message_key, domain=domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the SMTP server."""

    host: str
    port: int = 25
    tls: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


class SmtpMailer:
    """Sends each message over its own SMTP session (optionally TLS and login)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, message: EmailMessage) -> None:
        """Deliver one message to the SMTP server."""
        config = self.config
        try:
            client: smtplib.SMTP
            if config.tls == "ssl":
                client = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    timeout=config.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            with client:
                if config.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if config.username:
                    client.login(config.username, config.password or "")
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(
                f"recipients refused: {_describe(error.recipients)}",
                permanent=all(code >= 500 for code in codes),
            ) from error
        except smtplib.SMTPAuthenticationError as error:
            # Our credentials are wrong: every message would fail alike; retry once fixed.
            raise DeliveryError(f"SMTP login failed: {error.smtp_code}", permanent=False) from error
        except smtplib.SMTPResponseException as error:
            raw = error.smtp_error
            reply = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
            raise DeliveryError(
                f"SMTP {error.smtp_code} {reply}".strip(), permanent=error.smtp_code >= 500
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP unavailable: {error}", permanent=False) from error
        if refused:
            raise DeliveryError(f"recipients refused: {_describe(refused)}", permanent=True)


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{address} ({code} {reply.decode(errors='replace')})"
        for address, (code, reply) in sorted(refused.items())
    )


@dataclass
class InMemoryMailer:
    """A fake mailer: keeps what it was given; fails as told (for tests)."""

    sent: list[EmailMessage] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)  # raised first, in order

    def send(self, message: EmailMessage) -> None:
        """Keep the message, or raise the next scripted failure."""
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


def mailer_from_settings(settings: Settings) -> Mailer | None:
    """The SMTP mailer the settings describe; None when no SMTP host is configured."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )
    )
