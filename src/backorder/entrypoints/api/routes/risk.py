"""Risk intelligence routes: item x DC risk scores, scoring runs, drift, supplier delays,
supplier messages, and the triaged customer-service queue.

Reading risk needs a planning role (planner, buyer, customer service, viewer); starting a
scoring run is a planner's; supplier messages come from buyers or the integration.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.problems import problem
from backorder.entrypoints.api.schemas.risk import (
    DelayEstimateRead,
    DriftRead,
    PortalMessage,
    RiskItemPageRead,
    RiskItemRead,
    ScoringRunRead,
    SupplierDelaysRead,
    SupplierMessageRead,
    TriagedTaskRead,
    TriagePageRead,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers import risk, risk_delay, risk_triage, supplier_messages

router = APIRouter()
RISK_READERS = frozenset({Role.PLANNER, Role.BUYER, Role.CSR, Role.VIEWER})
TRIAGE_READERS = frozenset({Role.CSR, Role.PLANNER, Role.VIEWER})
DELAY_READERS = frozenset({Role.BUYER, Role.PLANNER, Role.VIEWER})
MESSAGE_SENDERS = frozenset({Role.BUYER, Role.INTEGRATION})
Reader = Annotated[Caller, allowed(RISK_READERS)]
Planner = Annotated[Caller, allowed(Role.PLANNER)]
TriageReader = Annotated[Caller, allowed(TRIAGE_READERS)]
DelayReader = Annotated[Caller, allowed(DELAY_READERS)]
MessageSender = Annotated[Caller, allowed(MESSAGE_SENDERS)]
EMAIL_TYPES = ("message/rfc822", "text/plain")
_MESSAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "An e-mail as RFC 822 text (`message/rfc822` or `text/plain`), or a portal "
            "message as JSON (`application/json`, see PortalMessage)."
        ),
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PortalMessage"}},
            **{kind: {"schema": {"type": "string"}} for kind in EMAIL_TYPES},
        },
    }
}


def service(request: Request) -> risk.RiskService:
    """The application's risk service (model store, policy), made on first use."""
    found: risk.RiskService | None = getattr(request.app.state, "risk", None)
    if found is None:
        found = risk.risk_service(request.app.state.application)
        request.app.state.risk = found
    return found


Risk = Annotated[risk.RiskService, Depends(service)]


def _encode(after: tuple[float, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[float, str, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        probability, sku, location = json.loads(base64.urlsafe_b64decode(padded))
        return float(probability), str(sku), str(location)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise InvalidInputError("cursor", "not a cursor returned by this API") from None


def _no_model(error: risk.NoActiveModelError) -> ConflictError:
    return ConflictError(str(error))


@router.get(
    "/risk/items",
    response_model=RiskItemPageRead,
    tags=["risk"],
    summary="List item x DCs by backorder risk",
    operation_id="list_risk_items",
)
def list_risk_items(
    ctx: Context,
    _: Reader,
    min_probability: Annotated[
        float, Query(ge=0.0, le=1.0, description="Only scores at or above this probability.")
    ] = 0.0,
    sku: Annotated[str | None, Query(description="One item.")] = None,
    location: Annotated[str | None, Query(description="One DC.")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RiskItemPageRead:
    """The latest score of each item x DC, riskiest first, with its reasons and model version.

    Scores are written by the scheduled scoring run (or `POST /v1/risk/scoring-runs`).
    """
    page = risk.list_scores(
        ctx,
        min_probability=min_probability,
        sku=sku,
        location=location,
        after=_decode(cursor) if cursor else None,
        limit=limit,
    )
    return RiskItemPageRead(
        items=[RiskItemRead.of(s) for s in page.scores],
        next_cursor=_encode(page.next_cursor) if page.next_cursor else None,
    )


@router.post(
    "/risk/scoring-runs",
    status_code=201,
    response_model=ScoringRunRead,
    tags=["risk"],
    summary="Score every item x DC now",
    operation_id="start_risk_scoring_run",
)
def start_scoring_run(request: Request, ctx: Context, who: Planner, svc: Risk) -> JSONResponse:
    """Score every item x DC with the active model, store the scores, and open a
    `backorder_risk` task for each one at or above the policy threshold (once a day).

    409 when no model is active yet.
    """

    def work() -> tuple[int, ScoringRunRead]:
        try:
            return 201, ScoringRunRead.of(risk.score_all_items(svc))
        except risk.NoActiveModelError as error:
            raise _no_model(error) from None

    return run_idempotently(request, ctx, who, None, work)


@router.get(
    "/risk/drift",
    response_model=DriftRead,
    tags=["risk"],
    summary="Feature drift of today's item x DCs",
    operation_id="get_risk_drift",
)
def get_drift(_: Reader, svc: Risk) -> DriftRead:
    """Population stability index (PSI) of each model feature between the active model's
    training data and today's item x DCs; features above the policy alert (0.25) are
    flagged. 409 when no model is active yet."""
    try:
        return DriftRead.of(risk.drift_report(svc))
    except risk.NoActiveModelError as error:
        raise _no_model(error) from None


@router.get(
    "/risk/supplier-delays",
    response_model=SupplierDelaysRead,
    tags=["risk"],
    summary="Delay distribution of each supplier",
    operation_id="list_supplier_delays",
)
def list_supplier_delays(ctx: Context, _: DelayReader, svc: Risk) -> SupplierDelaysRead:
    """P50 and P90 delay (days after the supplier's own date) of every supplier with
    receipts in the policy window, and of all suppliers pooled (the prior)."""
    pool, suppliers = risk_delay.supplier_delays(ctx, svc.policy)
    return SupplierDelaysRead(
        pool=DelayEstimateRead.of(pool),
        suppliers=[DelayEstimateRead.of(s) for s in suppliers],
    )


@router.get(
    "/risk/triage",
    response_model=TriagePageRead,
    tags=["risk"],
    summary="The customer-service queue by severity",
    operation_id="list_triaged_tasks",
)
def list_triaged_tasks(
    ctx: Context,
    _: TriageReader,
    svc: Risk,
    team: Annotated[str, Query(description="Team whose queue to triage.")] = (
        risk_triage.CUSTOMER_SERVICE
    ),
    min_severity: Annotated[float, Query(ge=0.0, le=100.0)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> TriagePageRead:
    """Unresolved tasks of a team, most severe first: customer tier and contract, open order
    value, days past the promise, and the customer's recent promise slips, with the reasons
    that weighed most."""
    queue = risk_triage.triage_queue(ctx, svc.policy, team, limit, min_severity)
    return TriagePageRead(items=[TriagedTaskRead.of_triaged(t, queue.now) for t in queue.tasks])


def _message(raw: bytes, kind: str, message_date: datetime | None) -> object:
    from backorder.risk.extraction.message import looks_like_eml, message_from_text, parse_eml

    if kind == "application/json":
        try:
            portal = PortalMessage.model_validate_json(raw)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(body)"
            raise InvalidInputError(field, first["msg"]) from None
        return message_from_text(
            portal.text, portal.sent_at, portal.subject, portal.sender, portal.message_id
        )
    if kind == "message/rfc822" or looks_like_eml(raw):
        try:
            return parse_eml(raw, message_date)
        except ValueError as error:
            raise InvalidInputError("(body)", str(error)) from None
    if message_date is None:
        raise InvalidInputError(
            "message_date", "a plain-text message without e-mail headers needs its date"
        )
    return message_from_text(raw.decode("utf-8", errors="replace"), message_date)


@router.post(
    "/supplier-messages",
    response_model=SupplierMessageRead,
    tags=["supplier messages"],
    summary="Apply the delivery commitments of a supplier message",
    operation_id="apply_supplier_message",
    openapi_extra=_MESSAGE_BODY,
)
async def apply_supplier_message(
    request: Request,
    ctx: Context,
    who: MessageSender,
    svc: Risk,
    message_date: Annotated[
        datetime | None,
        Query(description="When a plain-text body (no e-mail headers) was written."),
    ] = None,
) -> JSONResponse:
    """Read the delivery commitments of a supplier e-mail (RFC 822) or portal message (JSON).

    Confident commitments whose purchase-order line is found become supplier confirmations
    (like an 855, audited with the source sentence as evidence); unsure ones, and those
    that cannot be matched to one line, go into one procurement task with the suggestion
    pre-filled. The answer lists what was applied and what went to a person.
    """
    kind = request.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    if kind not in ("application/json", *EMAIL_TYPES):
        return problem(
            415,
            "Unsupported media type",
            f"send an e-mail as message/rfc822 or text/plain, a portal message as "
            f"application/json, not {kind}",
            instance=request.url.path,
        )
    raw = await request.body()
    if not raw.strip():
        raise InvalidInputError("(body)", "the message is empty")
    message = await run_in_threadpool(_message, raw, kind, message_date)

    def work() -> tuple[int, SupplierMessageRead]:
        outcome = supplier_messages.handle_supplier_message(
            ctx,
            message,  # type: ignore[arg-type]
            who.actor,
            svc.policy,
        )
        return 200, SupplierMessageRead.of(outcome)

    body = {"kind": kind, "sha256": _digest(raw)}
    return await run_in_threadpool(run_idempotently, request, ctx, who, body, work)


def _digest(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()
