"""Customer notices: what one says, and whether it goes out (churn control, channels).

A notice is decided when it is created: a customer who wants none, or whose e-mail address
is missing, gets it *suppressed* (stored with the reason); so does a notice on an order
that already had its daily share, unless the line's date got worse than what the customer
was last told. Worse news is never held back; better news may wait for the next change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class NoticeKind(enum.StrEnum):
    """What a notice is about."""

    BACKORDERED = "backordered"
    PARTIAL_SHIPMENT = "partial_shipment"
    SUBSTITUTION_OFFER = "substitution_offer"
    PROMISE_CHANGED = "promise_changed"


class NotificationStatus(enum.StrEnum):
    """Where a stored notification stands."""

    QUEUED = "queued"  # waits for the e-mail sender
    SENT = "sent"  # handed to its channel (SMTP server, or the outbox for EDI/portal)
    SUPPRESSED = "suppressed"  # decided not to send; `reason` says why
    FAILED = "failed"  # the channel refused it for good, or every retry failed


class Channel(enum.StrEnum):
    """How a customer wants to hear from us."""

    EMAIL = "email"
    EDI = "edi"
    PORTAL = "portal"
    NONE = "none"


@dataclass(frozen=True)
class NoticeContent:
    """Everything a notice's templates may show."""

    kind: NoticeKind
    customer: str
    customer_name: str
    order_id: str
    line_id: int
    line_number: int
    sku: str
    description: str
    ordered_quantity: int
    shipped_quantity: int
    open_quantity: int
    backordered_quantity: int
    requested_date: date
    old_promise: date | None  # what the customer was last told (or asked for)
    new_promise: date | None
    reason: str  # why, in plain words
    shipped_now: int = 0  # units in the shipment a partial-shipment notice is about
    substitute_sku: str | None = None
    substitute_description: str | None = None

    @property
    def direction(self) -> str:
        """`later`, `earlier`, `unknown` (no date) or `same`, of the new promise."""
        if self.new_promise is None:
            return "unknown" if self.old_promise is not None else "same"
        if self.old_promise is None or self.new_promise < self.old_promise:
            return "earlier"
        return "later" if self.new_promise > self.old_promise else "same"


@dataclass(frozen=True)
class Decision:
    """Whether a notice goes out, and why not."""

    status: NotificationStatus
    reason: str | None = None


def is_worse(told: date | None, new: date | None) -> bool:
    """True when `new` is later than `told`, or a known date became unknown."""
    if new is None:
        return told is not None
    return told is not None and new > told


def decide(
    *,
    kind: NoticeKind,
    channel: str,
    email: str | None,
    order_id: str,
    told: date | None,
    new: date | None,
    told_today: int,
    max_per_order_per_day: int,
) -> Decision:
    """Decide a new notice: suppressed (with why), queued for e-mail, or sent (EDI/portal).

    `told` is the promise the customer last heard for the line (their requested date when
    they heard nothing yet); `told_today` counts the order's notices already going out on
    the business day.
    """
    if channel == Channel.NONE:
        return Decision(NotificationStatus.SUPPRESSED, "the customer asked for no notices")
    if channel not in set(Channel):
        return Decision(NotificationStatus.SUPPRESSED, f"unknown notification channel {channel!r}")
    if channel == Channel.EMAIL and not (email and email.strip()):
        return Decision(NotificationStatus.SUPPRESSED, "the customer has no e-mail address")
    if told_today >= max_per_order_per_day and not is_worse(told, new):
        noun = "notice" if max_per_order_per_day == 1 else "notices"
        return Decision(
            NotificationStatus.SUPPRESSED,
            f"order {order_id} already had {max_per_order_per_day} {noun} today and the "
            f"{kind.value.replace('_', ' ')} does not make its date worse",
        )
    if channel == Channel.EMAIL:
        return Decision(NotificationStatus.QUEUED)
    # EDI and portal notices are delivered by the outbox event itself (relay, webhooks).
    return Decision(NotificationStatus.SENT)


_REASONS: tuple[tuple[str, str], ...] = (
    ("allocated at order intake", "the stock was not there when your order arrived"),
    ("allocation run", "we re-planned our stock across all open orders"),
    ("supplier acknowledgement", "our supplier confirmed its delivery date"),
    ("supplier rejection", "our supplier cannot deliver as ordered"),
    ("supplier ship notice", "our supplier has shipped the goods to us"),
    ("goods receipt", "goods arrived at our warehouse"),
    ("new purchase orders", "we ordered more from our supplier"),
    ("inventory snapshot", "our stock count changed"),
    ("stock adjustment", "our stock count changed"),
    ("warehouse shipment", "a shipment from our warehouse changed what is in stock"),
    ("order line changes", "an order changed and we re-planned our stock"),
)


def plain_reason(reason: str | None) -> str:
    """Why a promise moved, in words a customer understands (from the recorded reason)."""
    text = (reason or "").strip().lower()
    for prefix, words in _REASONS:
        if text.startswith(prefix):
            return words
    return "our supply plan changed"
