"""Event routes: the feed, the AsyncAPI document, webhooks, integration health, `/metrics`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from backorder.adapters.orchestration_metrics import OrchestrationCollector
from backorder.adapters.outbox.health import IntegrationCollector, integration_health
from backorder.adapters.outbox.settings import RelaySettings
from backorder.adapters.outbox.tail import settled
from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.events import (
    CloudEventRead,
    DeadLetterPageRead,
    DeliveryRead,
    EventPageRead,
    IntegrationHealthRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)
from backorder.events.asyncapi import asyncapi_document
from backorder.events.envelope import envelope
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.handlers import webhooks

router = APIRouter(tags=["events"])
Integrator = Annotated[Caller, allowed(Role.INTEGRATION)]
Operator = Annotated[Caller, allowed(Role.INTEGRATION, Role.VIEWER)]


def relay_settings(request: Request) -> RelaySettings:
    """The relay settings of this app (from the environment unless `install` was given some)."""
    found: RelaySettings | None = getattr(request.app.state, "relay_settings", None)
    if found is None:
        found = request.app.state.relay_settings = RelaySettings()
    return found


Settings = Annotated[RelaySettings, Depends(relay_settings)]


@router.get("/events", response_model=EventPageRead)
def list_events(
    ctx: Context,
    settings: Settings,
    _: Integrator,
    after: Annotated[int, Query(ge=0, description="Position of the last event you have.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPageRead:
    """Events after a position, oldest first, as CloudEvents (the feed without a broker).

    On PostgreSQL a page stops before a hole in positions left by a transaction that has
    not committed yet, so a reader never skips an event that appears later.
    """
    with ctx.reader() as uow:
        rows = uow.platform.events_after(after, limit + 1)
    usable = settled(rows, after, ctx.clock.now(), settings.relay_gap_settle_seconds)
    page = rows[: min(usable, limit)]
    return EventPageRead(
        events=[CloudEventRead(**envelope(r, settings.source)) for r in page],
        next_after=int(page[-1]["position"]) if page else after,
        has_more=len(rows) > len(page),
    )


@router.get("/asyncapi.json", tags=["events"])
def asyncapi(settings: Settings) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every event channel (NATS subjects, webhooks)."""
    return asyncapi_document(nats_url=settings.nats_url)


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
def create_webhook(
    request: Request, body: WebhookCreate, ctx: Context, who: Integrator
) -> JSONResponse:
    """Subscribe a URL to event types; the signing secret is in this response only."""

    def work() -> tuple[int, WebhookCreated]:
        created, secret = webhooks.subscribe(
            ctx, body.url, body.event_types, who.actor, body.description
        )
        return 201, WebhookCreated(**WebhookRead.of(created).model_dump(), secret=secret)

    return run_idempotently(request, ctx, who, body, work)


@router.get("/webhooks", response_model=list[WebhookRead])
def list_webhooks(ctx: Context, _: Integrator) -> list[WebhookRead]:
    """Active webhook subscriptions, oldest first."""
    return [WebhookRead.of(s) for s in webhooks.subscriptions(ctx)]


@router.get("/webhooks/dead-letters", response_model=DeadLetterPageRead)
def list_dead_letters(
    ctx: Context,
    _: Integrator,
    subscription_id: str | None = None,
    after: Annotated[int, Query(ge=0, description="`next_after` of the previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeadLetterPageRead:
    """Deliveries given up after their last attempt, oldest first."""
    found = webhooks.dead_letters(ctx, subscription_id=subscription_id, after=after, limit=limit)
    return DeadLetterPageRead(
        items=[DeliveryRead.of(d) for d in found],
        next_after=found[-1].id if len(found) == limit else None,
    )


@router.post(
    "/webhooks/dead-letters/{delivery_id}/replay", status_code=202, response_model=DeliveryRead
)
def replay_dead_letter(delivery_id: int, ctx: Context, who: Integrator) -> DeliveryRead:
    """Queue a dead letter again with a fresh set of attempts."""
    return DeliveryRead.of(webhooks.replay_dead_letter(ctx, delivery_id, who.actor))


@router.get("/webhooks/{subscription_id}", response_model=WebhookRead)
def get_webhook(subscription_id: str, ctx: Context, _: Integrator) -> WebhookRead:
    """One webhook subscription."""
    return WebhookRead.of(webhooks.subscription(ctx, subscription_id))


@router.delete("/webhooks/{subscription_id}", status_code=204)
def delete_webhook(subscription_id: str, ctx: Context, who: Integrator) -> Response:
    """Delete a subscription; what it had pending is cancelled."""
    webhooks.unsubscribe(ctx, subscription_id, who.actor)
    return Response(status_code=204)


@router.get("/integrations/health", response_model=IntegrationHealthRead)
def health(request: Request, settings: Settings, _: Operator) -> IntegrationHealthRead:
    """Per adapter and webhook: last success, failures, lag, queue depth, dead letters."""
    engine = request.app.state.application.engine
    return IntegrationHealthRead.model_validate(integration_health(engine, settings).to_json())


def metrics_registry(app: FastAPI, settings: RelaySettings) -> CollectorRegistry:
    """A registry of this app's metrics: process, platform, GC, integration, orchestration."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    engine = app.state.application.engine
    registry.register(IntegrationCollector(engine, settings))
    registry.register(OrchestrationCollector(engine, app.state.context.clock.now))
    return registry


def install(app: FastAPI, settings: RelaySettings | None = None) -> None:
    """Add `GET /metrics` (Prometheus text format) to an app made by `create_app`.

    Other parts may add collectors to `app.state.metrics_registry`.
    """
    app.state.relay_settings = settings or RelaySettings()
    registry = app.state.metrics_registry = metrics_registry(app, app.state.relay_settings)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics (no authentication: scrape it from the private network)."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
