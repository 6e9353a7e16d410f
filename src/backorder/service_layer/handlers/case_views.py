"""Read side of backorder cases: the case list and one case with everything about it."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backorder.adapters.repositories.allocations import StoredAllocation
from backorder.adapters.repositories.cases import CaseRecord
from backorder.adapters.repositories.orders import LineRecord
from backorder.adapters.repositories.tasks import TaskRecord
from backorder.domain.cases import CaseState
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError, NotFoundError


def _encode(case_id: str) -> str:
    return base64.urlsafe_b64encode(f"case:{case_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        kind, value = "", ""
    if kind != "case" or not value:
        raise InvalidInputError("cursor", "not a cursor returned by this API")
    return value


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is filtered on (None: any)."""

    state: str | None = None
    sku: str | None = None
    customer: str | None = None
    opened_after: datetime | None = None
    opened_before: datetime | None = None


@dataclass(frozen=True)
class CasePage:
    """One page of cases and the cursor of the next."""

    cases: list[CaseRecord]
    next_cursor: str | None


def list_cases(ctx: ServiceContext, where: CaseFilter, cursor: str | None, limit: int) -> CasePage:
    """Cases matching the filter, by case id, a page at a time."""
    if where.state is not None and where.state not in {s.value for s in CaseState}:
        raise InvalidInputError("state", f"must be one of {', '.join(s.value for s in CaseState)}")
    after = _decode(cursor) if cursor else None
    with ctx.reader() as uow:
        rows = uow.cases.page(
            state=where.state,
            sku=where.sku,
            customer=where.customer,
            opened_after=where.opened_after,
            opened_before=where.opened_before,
            after=after,
            limit=limit + 1,
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(rows, _encode(rows[-1].case_id) if more and rows else None)


@dataclass(frozen=True)
class CaseDetail:
    """A case with its line, history, tasks, the actions done and any substitute offer."""

    case: CaseRecord
    line: LineRecord | None
    history: list[dict[str, Any]]
    tasks: list[TaskRecord]
    actions: list[dict[str, Any]]
    held: list[StoredAllocation]
    offered_substitute: str | None
    substitution_answer: dict[str, Any] | None
    now: datetime


def case_detail(ctx: ServiceContext, case_id: str) -> CaseDetail:
    """Everything about one case."""
    with ctx.reader() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} does not exist")
        return CaseDetail(
            case=case,
            line=uow.orders.get_line(case.line_id),
            history=uow.cases.history(case_id),
            tasks=uow.tasks.of_case(case_id),
            actions=uow.cases.actions(case_id),
            held=uow.allocations.of_lines([case.line_id]),
            offered_substitute=uow.cases.offered_substitute(case.line_id),
            substitution_answer=uow.cases.substitution_answer(case.line_id),
            now=uow.clock.now(),
        )
