"""Webhook subscriptions: subscribe (the secret is shown once), list, delete; dead letters.

Every change is audited. A subscription receives the events written after it was made.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from backorder.adapters.outbox.webhook_store import Delivery, Subscription, WebhookStore
from backorder.events import filters
from backorder.events.catalog import REGISTRY
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork

SECRET_PREFIX = "whsec_"
MAX_FILTERS = 50


def _store(uow: UnitOfWork) -> WebhookStore:
    # Webhook state lives only in the database: the in-memory fakes have no such tables.
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("webhook subscriptions need a database unit of work")
    return WebhookStore(uow.connection)


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("url", "must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise InvalidInputError("url", "must not carry credentials; the signature authenticates")
    return url.strip()


def _check_filters(event_types: Sequence[str]) -> list[str]:
    cleaned = [t.strip() for t in event_types]
    if not cleaned:
        raise InvalidInputError("event_types", "name at least one type, prefix or '*'")
    if len(cleaned) > MAX_FILTERS:
        raise InvalidInputError("event_types", f"at most {MAX_FILTERS} filters")
    for index, pattern in enumerate(cleaned):
        problem = filters.problem(pattern, REGISTRY)
        if problem:
            raise InvalidInputError(f"event_types[{index}]", problem)
    return list(dict.fromkeys(cleaned))


def subscribe(
    ctx: ServiceContext,
    url: str,
    event_types: Sequence[str],
    actor: str,
    description: str = "",
) -> tuple[Subscription, str]:
    """Create a subscription; returns it with its signing secret (not retrievable later)."""
    checked_url, checked_types = _check_url(url), _check_filters(event_types)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription_id = "wh_" + secrets.token_hex(8)
    with ctx.unit_of_work() as uow:
        now = uow.clock.now()
        created = _store(uow).add_subscription(
            subscription_id=subscription_id,
            url=checked_url,
            event_types=checked_types,
            description=description.strip(),
            secret=secret,
            now=now,
            actor=actor,
        )
        uow.platform.audit(
            actor=actor,
            action="webhook.subscribed",
            subject=f"webhook/{subscription_id}",
            before=None,
            after={"url": checked_url, "event_types": checked_types},
            now=now,
        )
        uow.commit()
    return created, secret


def subscriptions(ctx: ServiceContext) -> list[Subscription]:
    """Active subscriptions, oldest first."""
    with ctx.reader() as uow:
        return _store(uow).subscriptions()


def subscription(ctx: ServiceContext, subscription_id: str) -> Subscription:
    """One active subscription."""
    with ctx.reader() as uow:
        found = _store(uow).subscription(subscription_id)
    if found is None or found.deleted_at is not None:
        raise NotFoundError(f"webhook subscription {subscription_id!r} does not exist")
    return found


def unsubscribe(ctx: ServiceContext, subscription_id: str, actor: str) -> None:
    """Delete a subscription; its pending deliveries are cancelled."""
    with ctx.unit_of_work() as uow:
        store = _store(uow)
        found = store.subscription(subscription_id)
        now = uow.clock.now()
        if found is None or not store.delete_subscription(subscription_id, now):
            raise NotFoundError(f"webhook subscription {subscription_id!r} does not exist")
        uow.platform.audit(
            actor=actor,
            action="webhook.deleted",
            subject=f"webhook/{subscription_id}",
            before={"url": found.url, "event_types": list(found.event_types)},
            after=None,
            now=now,
        )
        uow.commit()


def dead_letters(
    ctx: ServiceContext, *, subscription_id: str | None = None, after: int = 0, limit: int = 100
) -> list[Delivery]:
    """Deliveries given up after their last attempt, oldest first, after a delivery id."""
    with ctx.reader() as uow:
        return _store(uow).dead_letters(subscription_id, after, limit)


def replay_dead_letter(ctx: ServiceContext, delivery_id: int, actor: str) -> Delivery:
    """Queue a dead delivery again, with a fresh set of attempts."""
    with ctx.unit_of_work() as uow:
        store = _store(uow)
        found = store.delivery(delivery_id)
        if found is None:
            raise NotFoundError(f"webhook delivery {delivery_id} does not exist")
        subscribed = store.subscription(found.subscription_id)
        if subscribed is None or subscribed.deleted_at is not None:
            raise ConflictError(f"webhook delivery {delivery_id}: its subscription was deleted")
        if not store.replay(delivery_id, uow.clock.now()):
            raise ConflictError(f"webhook delivery {delivery_id} is {found.status}, not dead")
        uow.platform.audit(
            actor=actor,
            action="webhook.replayed",
            subject=f"webhook/{found.subscription_id}",
            before={"delivery": delivery_id, "status": found.status, "attempts": found.attempts},
            after={"delivery": delivery_id, "status": "pending"},
            now=uow.clock.now(),
        )
        uow.commit()
        replayed = store.delivery(delivery_id)
    assert replayed is not None
    return replayed
