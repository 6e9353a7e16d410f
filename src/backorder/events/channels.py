"""Where events go: NATS JetStream subjects and signed webhook deliveries (names only, no I/O).

NATS: one stream, `BACKORDER`, over `backorder.events.>`; each event on
`backorder.events.<type>` with header `Nats-Msg-Id: <event id>` so the broker drops a
message it stored within the duplicate window.

Webhooks: `POST <subscriber url>` with the envelope as body and these headers:

- `Backorder-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is
  HMAC-SHA256(key = the subscription secret as UTF-8, message = `<t>.<raw body>`);
- `Backorder-Event-Id`, `Backorder-Event-Type`: the envelope's `id` and `type`;
- `Backorder-Delivery-Id`, `Backorder-Delivery-Attempt`: the delivery and its try (1, 2, ...).

A receiver recomputes the HMAC over the raw body it got, compares in constant time and
refuses a `t` far from its clock (replays).
"""

from __future__ import annotations

STREAM = "BACKORDER"
SUBJECT_PREFIX = "backorder.events."
STREAM_SUBJECTS = (f"{SUBJECT_PREFIX}>",)
MIN_DUPLICATE_WINDOW_SECONDS = 120.0
MSG_ID_HEADER = "Nats-Msg-Id"

SIGNATURE_HEADER = "Backorder-Signature"
EVENT_ID_HEADER = "Backorder-Event-Id"
EVENT_TYPE_HEADER = "Backorder-Event-Type"
DELIVERY_ID_HEADER = "Backorder-Delivery-Id"
ATTEMPT_HEADER = "Backorder-Delivery-Attempt"
SIGNATURE_SCHEME = "v1"


def nats_subject(event_type: str) -> str:
    """The NATS subject an event type is published on."""
    return f"{SUBJECT_PREFIX}{event_type}"


def signed_string(timestamp: int, body: bytes) -> bytes:
    """What the webhook signature covers: `<timestamp>.<raw body>`."""
    return str(timestamp).encode() + b"." + body
