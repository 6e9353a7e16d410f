"""API governance: request size limits, per-key rate limits, deprecation, documented problems.

`install(app, settings)` adds, outermost first:

- **Rate limits** (`RateLimit`): a token bucket per API key (the key id of the bearer
  token; callers without one share a bucket per client address): `rate` requests per second
  sustained, `burst` at once. Over the limit: `429` problem+json with `Retry-After`. The
  buckets live in this process: with N API processes a key may send N times the rate
  (divide the rate by N, or enforce limits at a shared gateway / in a shared store).
- **Request size limit** (`BodySizeLimit`): a body above `max_bytes` gets `413`
  problem+json, decided from `Content-Length` before anything is read, or — for chunked
  bodies — as soon as the bytes read pass the limit (at most `max_bytes + 1` are buffered).
- **Deprecation headers** (`DeprecationHeaders`): an endpoint marked with `@deprecated(...)`
  answers with `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link` headers, whatever
  response it returns.
- **Problem responses in the OpenAPI document** (`document_problems`): operations that need
  a key document 401/403/429, operations with input document 422 (and 413 with a body), all
  as `application/problem+json` with the named `Problem` schema (FastAPI's own 422 schema
  describes a body this API never sends); deprecated endpoints are flagged with their sunset.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any, TypeVar

import fastapi.routing
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backorder.config import Settings
from backorder.entrypoints.api.problems import PROBLEM_JSON

F = TypeVar("F", bound=Callable[..., Any])
UNLIMITED_PATHS = ("/v1/health", "/metrics", "/docs", "/redoc", "/openapi.json")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


async def _problem(
    send: Send, status: int, title: str, detail: str, path: str, headers: dict[str, str]
) -> None:
    body = json.dumps(
        {
            "type": f"/problems/{title.lower().replace(' ', '-')}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
        }
    ).encode()
    raw = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# -- rate limits ---------------------------------------------------------------------------


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """Token buckets by key: `rate` tokens per second, at most `burst` held."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Take a token; 0.0 when granted, else the seconds until one will be there."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            if len(self._buckets) > 10_000:
                self._forget_full(now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: forgetting them changes nothing."""
        refill = self.burst / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.at >= refill]:
            del self._buckets[key]


def caller_key(scope: Scope) -> str:
    """The API key id of a request (`bo_<id>_<secret>`), else its client address."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            parts = token.strip().split("_", 2)
            if scheme.lower() == "bearer" and len(parts) == 3 and parts[0] == "bo":
                return f"key:{parts[1]}"
    client = scope.get("client")
    return f"address:{client[0] if client else 'unknown'}"


class RateLimit:
    """ASGI middleware: `429` with `Retry-After` once a caller's bucket is empty."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request through, or answer 429."""
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(caller_key(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        limit = f"{self.buckets.burst} requests, {self.buckets.rate:g} per second"
        await _problem(
            send,
            429,
            "Too many requests",
            f"rate limit of this API key exceeded ({limit}); retry after the given seconds",
            scope["path"],
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )


# -- request size ----------------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware: `413` for bodies above `max_bytes`, decided before they are read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an oversized body, or pass the request on."""
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(scope, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read at most max_bytes + 1, then replay what was read.
        chunks: list[Message] = []
        size = 0
        while True:
            message = await receive()
            chunks.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return chunks.pop(0) if chunks else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await _problem(
            send,
            413,
            "Payload too large",
            f"the request body is larger than {self.max_bytes} bytes",
            scope["path"],
            {},
        )


# -- deprecation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deprecation:
    """When an endpoint was deprecated, when it goes away, and what replaces it."""

    since: date
    sunset: date
    successor: str | None = None  # path of the replacement, e.g. /v2/orders
    documentation: str | None = None  # where the deprecation is explained

    def headers(self) -> dict[str, str]:
        """Deprecation (RFC 9745), Sunset (RFC 8594) and Link headers."""
        since = datetime.combine(self.since, datetime.min.time(), UTC)
        sunset = datetime.combine(self.sunset, datetime.min.time(), UTC)
        found = {
            "Deprecation": f"@{int(since.timestamp())}",
            "Sunset": format_datetime(sunset, usegmt=True),
        }
        links = []
        if self.successor:
            links.append(f'<{self.successor}>; rel="successor-version"')
        if self.documentation:
            links.append(f'<{self.documentation}>; rel="deprecation"; type="text/html"')
        if links:
            found["Link"] = ", ".join(links)
        return found


def deprecated(
    *, since: date, sunset: date, successor: str | None = None, documentation: str | None = None
) -> Callable[[F], F]:
    """Mark an endpoint deprecated; put it *below* the route decorator.

    ```
    @router.get("/orders/{order_id}")
    @deprecated(since=date(2027, 1, 1), sunset=date(2027, 7, 1), successor="/v2/orders/{id}")
    def get_order(...): ...
    ```
    """
    notice = Deprecation(since, sunset, successor, documentation)

    def mark(endpoint: F) -> F:
        endpoint.__deprecation__ = notice  # type: ignore[attr-defined]
        return endpoint

    return mark


def deprecation_of(route: Any) -> Deprecation | None:
    """The deprecation of a matched route's endpoint, if it has one."""
    found = getattr(getattr(route, "endpoint", None), "__deprecation__", None)
    return found if isinstance(found, Deprecation) else None


class DeprecationHeaders:
    """ASGI middleware: the deprecation headers of the endpoint that answered, if any."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add headers to the response of a deprecated endpoint."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                notice = deprecation_of(scope.get("route"))
                if notice is not None:
                    extra = [(k.lower().encode(), v.encode()) for k, v in notice.headers().items()]
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- OpenAPI -------------------------------------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each field at fault.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemField"}},
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_FIELD_SCHEMA: dict[str, Any] = {
    "title": "ProblemField",
    "type": "object",
    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    "required": ["field", "message"],
}
_DESCRIPTIONS = {
    "401": "No valid API key (`Authorization: Bearer <key>`).",
    "403": "The API key's role may not do this.",
    "413": "The request body is too large.",
    "422": "The request is not valid; `errors` names each field.",
    "429": "Rate limit exceeded; retry after `Retry-After` seconds.",
}


def _problem_response(code: str) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[code],
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _api_routes(routes: list[Any]) -> list[Any]:
    """Every API route with its full path, routes of included routers too."""
    # FastAPI 0.16x keeps included routers as lazy entries of `app.routes`; its own
    # `iter_route_contexts` flattens them (older releases copied the routes in).
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:
        return [route for route in routes if isinstance(route, APIRoute)]
    return [c for c in flatten(routes) if isinstance(c.original_route, APIRoute)]


def _describe_roles(operation: dict[str, Any]) -> None:
    """Name the roles an operation admits (its bearer requirement's scopes) in its text."""
    needs = operation.get("security", [])
    roles = sorted({role for need in needs for scopes in need.values() for role in scopes})
    if roles:
        line = "Roles: " + ", ".join(roles) + "."
        text = operation.get("description", "").rstrip()
        operation["description"] = f"{text}\n\n{line}" if text else line


def describe(spec: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Add problem responses and deprecations to a generated OpenAPI document (in place)."""
    notices = {
        (method.lower(), route.path): notice
        for route in _api_routes(routes)
        if (notice := deprecation_of(route)) is not None
        for method in route.methods or ()
    }
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _describe_roles(operation)
            responses = operation.setdefault("responses", {})
            needed = []
            if operation.get("security"):
                needed += ["401", "403", "429"]
            if operation.get("parameters") or operation.get("requestBody"):
                needed.append("422")
            if operation.get("requestBody"):
                needed.append("413")
            for code in needed:
                responses[code] = _problem_response(code)
            notice = notices.get((method, path))
            if notice is not None:
                operation["deprecated"] = True
                operation["x-sunset"] = notice.sunset.isoformat()
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemField"] = PROBLEM_FIELD_SCHEMA
    text = json.dumps(spec.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}" not in text:
            schemas.pop(unused, None)
    return spec


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` describe problems, limits and deprecations as the API sends them."""

    described: list[int] = []  # how many routes the cached document describes

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None or described != [len(app.routes)]:
            described[:] = [len(app.routes)]
            spec = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = describe(spec, app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI, settings: Settings) -> None:
    """Add the governance middleware and OpenAPI description to an app."""
    app.add_middleware(DeprecationHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(
        RateLimit, rate=settings.api_rate_limit_per_second, burst=settings.api_rate_limit_burst
    )
    document_problems(app)
