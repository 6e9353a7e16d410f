"""Backorder case routes: the list, one case, and the manual overrides.

Overrides need a reason and the right role: planners and CSRs hold, release and cancel
(warehouse supervisors may hold and release too), planners force allocations, CSRs and
the customer portal (integration) answer substitute offers. Each is audited and wakes
the case's workflow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from backorder.entrypoints.api.deps import Anyone, Context, allowed
from backorder.entrypoints.api.idempotency import run_idempotently
from backorder.entrypoints.api.schemas.cases import (
    CaseDetailRead,
    CasePageRead,
    CaseRead,
    CaseReason,
    ForceAllocate,
    ForceOutcomeRead,
    SubstituteAnswerIn,
    SubstitutionAnswerRead,
    TakenRead,
)
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import case_overrides, case_views, forced

router = APIRouter(tags=["cases"])
Holder = Annotated[Caller, allowed(Role.PLANNER, Role.CSR, Role.WAREHOUSE)]
Canceller = Annotated[Caller, allowed(Role.PLANNER, Role.CSR)]
Planner = Annotated[Caller, allowed(Role.PLANNER)]
Answerer = Annotated[Caller, allowed(Role.CSR, Role.INTEGRATION)]


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


@router.get("/cases", response_model=CasePageRead)
def list_cases(
    ctx: Context,
    _: Anyone,
    state: Annotated[str | None, Query(description="e.g. awaiting_supply, on_hold")] = None,
    sku: str | None = None,
    customer: str | None = None,
    opened_after: Annotated[datetime | None, Query(description="Opened at or after.")] = None,
    opened_before: Annotated[datetime | None, Query(description="Opened before.")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CasePageRead:
    """Backorder cases, filtered, by case id, cursor-paginated."""
    page = case_views.list_cases(
        ctx,
        case_views.CaseFilter(
            state=state,
            sku=sku,
            customer=customer,
            opened_after=_utc(opened_after),
            opened_before=_utc(opened_before),
        ),
        cursor,
        limit,
    )
    return CasePageRead(items=[CaseRead.of(c) for c in page.cases], next_cursor=page.next_cursor)


def _detail(ctx: ServiceContext, case_id: str) -> CaseDetailRead:
    return CaseDetailRead.of_detail(case_views.case_detail(ctx, case_id))


@router.get("/cases/{case_id}", response_model=CaseDetailRead)
def get_case(case_id: str, ctx: Context, _: Anyone) -> CaseDetailRead:
    """A case with its line, history, tasks, actions done, holdings and substitute offer."""
    return _detail(ctx, case_id)


@router.post("/cases/{case_id}/hold", response_model=CaseDetailRead)
def hold_case(
    request: Request, case_id: str, body: CaseReason, ctx: Context, who: Holder
) -> JSONResponse:
    """Put the case on hold: it keeps its supply and does nothing until released."""

    def work() -> tuple[int, CaseDetailRead]:
        case_overrides.hold_case(ctx, case_id, body.reason, who.actor)
        return 200, _detail(ctx, case_id)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/cases/{case_id}/release", response_model=CaseDetailRead)
def release_case(
    request: Request, case_id: str, body: CaseReason, ctx: Context, who: Holder
) -> JSONResponse:
    """Release a held case; its workflow continues at once."""

    def work() -> tuple[int, CaseDetailRead]:
        case_overrides.release_case(ctx, case_id, body.reason, who.actor)
        return 200, _detail(ctx, case_id)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/cases/{case_id}/cancel", response_model=CaseDetailRead)
def cancel_case(
    request: Request, case_id: str, body: CaseReason, ctx: Context, who: Canceller
) -> JSONResponse:
    """Cancel the case's order line; its supply goes to the next lines of the item."""

    def work() -> tuple[int, CaseDetailRead]:
        case_overrides.cancel_case(ctx, case_id, body.reason, who.actor)
        return 200, _detail(ctx, case_id)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/cases/{case_id}/force-allocate", response_model=ForceOutcomeRead)
def force_allocate(
    request: Request, case_id: str, body: ForceAllocate, ctx: Context, who: Planner
) -> JSONResponse:
    """Assign specific supply to the line against the policy; no later run takes it away.

    Units come from what the source has free, then from the lowest-ranked lines holding
    it (listed in `taken_from`); units forced to other lines are never taken.
    """

    def work() -> tuple[int, ForceOutcomeRead]:
        outcome = forced.force_allocate(
            ctx,
            case_id,
            [forced.ForcedSource(s.source_id, s.quantity) for s in body.sources],
            body.reason,
            who.actor,
        )
        return 200, ForceOutcomeRead(
            forced=body.sources,
            taken_from=[TakenRead(**t.__dict__) for t in outcome.taken],
            case=_detail(ctx, case_id),
        )

    return run_idempotently(request, ctx, who, body, work)


def _answer(
    request: Request,
    ctx: ServiceContext,
    who: Caller,
    case_id: str,
    body: SubstituteAnswerIn,
    accept: bool,
) -> JSONResponse:
    def work() -> tuple[int, SubstitutionAnswerRead]:
        answer = case_overrides.answer_substitute(
            ctx,
            case_id,
            accept=accept,
            substitute_sku=body.substitute_sku,
            note=body.note,
            actor=who.actor,
        )
        return 200, SubstitutionAnswerRead.of(answer)

    return run_idempotently(request, ctx, who, body, work)


@router.post("/cases/{case_id}/accept-substitute", response_model=SubstitutionAnswerRead)
def accept_substitute(
    request: Request, case_id: str, body: SubstituteAnswerIn, ctx: Context, who: Answerer
) -> JSONResponse:
    """The customer accepts the offered substitute: the line is served from it at once."""
    return _answer(request, ctx, who, case_id, body, accept=True)


@router.post("/cases/{case_id}/decline-substitute", response_model=SubstitutionAnswerRead)
def decline_substitute(
    request: Request, case_id: str, body: SubstituteAnswerIn, ctx: Context, who: Answerer
) -> JSONResponse:
    """The customer declines the offered substitute: it is not offered again."""
    return _answer(request, ctx, who, case_id, body, accept=False)
