"""Webhook deliveries over HTTP (httpx): signatures, retry pauses, the sender.

The signature scheme is documented in `backorder.events.channels`:
`Backorder-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from backorder import __version__
from backorder.events import channels
from backorder.events.envelope import STRUCTURED_CONTENT_TYPE


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for a body sent at `timestamp` (unix seconds)."""
    digest = hmac.new(
        secret.encode(), channels.signed_string(timestamp, body), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},{channels.SIGNATURE_SCHEME}={digest}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance_seconds: float = 300,
) -> bool:
    """True when `header` signs `body` with `secret` and its time is within the tolerance."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts[channels.SIGNATURE_SCHEME]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp).rsplit("=", 1)[1]
    return hmac.compare_digest(expected, given)


def retry_delay(
    attempt: int,
    initial_seconds: float,
    max_seconds: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """Pause after failed attempt `attempt` (1, 2, ...): doubling, capped, half of it jittered.

    The jitter keeps many failed deliveries from retrying in lockstep against an endpoint
    that just came back.
    """
    ceiling = min(max_seconds, initial_seconds * 2.0 ** (attempt - 1))
    return ceiling / 2 + rand() * ceiling / 2


@dataclass(frozen=True)
class DeliveryRequest:
    """One try of one delivery."""

    delivery_id: int
    url: str
    secret: str
    body: bytes
    event_id: str
    event_type: str
    attempt: int


@dataclass(frozen=True)
class DeliveryResult:
    """How a try went: `ok` on a 2xx answer."""

    delivery_id: int
    ok: bool
    status_code: int | None
    error: str | None


class WebhookSender:
    """POSTs signed envelopes; one connection pool for every subscription."""

    def __init__(self, timeout_seconds: float = 10.0, *, client: httpx.Client | None = None):
        self._client = client or httpx.Client(
            timeout=timeout_seconds,
            follow_redirects=False,
            headers={"User-Agent": f"backorder-webhooks/{__version__}"},
        )

    def send(self, request: DeliveryRequest) -> DeliveryResult:
        """One POST; a 2xx is success, anything else (or no answer) a failure to retry."""
        headers = {
            "Content-Type": f"{STRUCTURED_CONTENT_TYPE}; charset=utf-8",
            channels.SIGNATURE_HEADER: sign(request.secret, request.body, int(time.time())),
            channels.EVENT_ID_HEADER: request.event_id,
            channels.EVENT_TYPE_HEADER: request.event_type,
            channels.DELIVERY_ID_HEADER: str(request.delivery_id),
            channels.ATTEMPT_HEADER: str(request.attempt),
        }
        try:
            response = self._client.post(request.url, content=request.body, headers=headers)
        except httpx.HTTPError as error:
            return DeliveryResult(
                request.delivery_id, False, None, f"{type(error).__name__}: {error}"
            )
        if response.is_success:
            return DeliveryResult(request.delivery_id, True, response.status_code, None)
        return DeliveryResult(
            request.delivery_id, False, response.status_code, f"HTTP {response.status_code}"
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
