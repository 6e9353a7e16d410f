"""Supplier EDI over REST: inbound X12 files, the documents we produced, a PO's 850."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from backorder.config import Settings
from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.problems import problem
from backorder.entrypoints.api.schemas.edi import (
    EdiImportRead,
    OutboundDocumentRead,
    OutboundPageRead,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.handlers.edi_inbound import import_edi
from backorder.service_layer.handlers.edi_outbound import OurIdentity, purchase_order_850
from backorder.service_layer.shared_transaction import SharedTransaction

router = APIRouter(tags=["edi"])
EdiPartner = Annotated[Caller, allowed(Role.BUYER, Role.INTEGRATION)]
X12 = "application/edi-x12"
ACCEPTED_TYPES = (X12, "text/plain", "application/octet-stream", "application/edi")
_RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "One X12 file: any number of interchanges (ISA .. IEA).",
        "content": {kind: {"schema": {"type": "string"}} for kind in (X12, "text/plain")},
    }
}


def _identity(request: Request) -> OurIdentity:
    settings: Settings = request.app.state.application.settings
    return OurIdentity(
        settings.edi_sender_qualifier, settings.edi_sender_id, settings.edi_usage_indicator
    )


@router.post(
    "/edi/inbound",
    response_model=EdiImportRead,
    summary="Apply an inbound X12 file from suppliers",
    operation_id="import_edi_file",
    openapi_extra=_RAW_BODY,
)
async def inbound(request: Request, ctx: Context, who: EdiPartner) -> EdiImportRead | JSONResponse:
    """Parse an X12 file (855, 856, 846, 810), apply its good transaction sets, answer with 997s.

    The answer lists every transaction set with its outcome and, for lines that were not
    applied, where (segment position in the set and in the file, element) and why; parse
    errors and warnings; and the stored 997 of each inbound interchange (also listed by
    `GET /v1/edi/outbound`). A file sent again changes nothing and gets the same 997s. A body
    without one readable interchange is refused with 422.
    """
    kind = request.headers.get("content-type", X12).split(";")[0].strip().lower()
    if kind not in ACCEPTED_TYPES:
        return problem(
            415,
            "Unsupported media type",
            f"send the X12 file as {X12} or text/plain, not {kind}",
            instance=request.url.path,
        )
    data = await request.body()
    report = await run_in_threadpool(import_edi, ctx, data, who.actor)
    if not report.readable:
        return problem(
            422,
            "Invalid request",
            "no X12 interchange could be read from the body",
            instance=request.url.path,
            errors=[{"field": "(body)", "message": str(issue)} for issue in report.errors[:50]],
        )
    return EdiImportRead.of(report)


@router.get(
    "/edi/outbound",
    response_model=OutboundPageRead,
    summary="List the X12 documents produced (997, 850)",
    operation_id="list_edi_outbound",
)
def outbound(
    ctx: Context,
    _: EdiPartner,
    after: Annotated[int, Query(ge=0, description="Document id to continue after.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    document_type: Annotated[
        str | None, Query(alias="type", pattern="^(997|850)$", description="997 or 850.")
    ] = None,
) -> OutboundPageRead:
    """Documents produced after a document id, oldest first: a partner's outbox to collect."""
    with SharedTransaction(ctx) as tx:
        found = tx.edi.outbound_documents(after, limit, document_type)
    return OutboundPageRead(
        documents=[OutboundDocumentRead.of(d) for d in found],
        next_after=found[-1].document_id if len(found) == limit else None,
    )


@router.get(
    "/purchase-orders/{po_number}/edi-850",
    response_class=Response,
    summary="The X12 850 of a purchase order",
    operation_id="get_purchase_order_850",
    responses={
        200: {"description": "The interchange.", "content": {X12: {"schema": {"type": "string"}}}}
    },
)
def purchase_order_x12(po_number: str, request: Request, ctx: Context, who: EdiPartner) -> Response:
    """The 850 interchange of a stored purchase order, written once with fresh control numbers.

    Asking again returns the same interchange (stored; control numbers are never reused).
    409 when the supplier has no EDI id or the lines ship to more than one DC.
    """
    document = purchase_order_850(ctx, po_number, _identity(request), who.actor)
    return Response(
        document.content,
        media_type=X12,
        headers={
            "X-Document-Id": str(document.document_id),
            "X-Interchange-Control-Number": document.interchange_control_number,
        },
    )
