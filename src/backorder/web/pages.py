"""Dashboard pages: overview, backorders, an order line, suppliers, process, items at risk.

Route functions parse the query, call the analytics read models or the service layer,
and render; the numbers and their definitions live in `backorder.analytics`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from backorder.analytics import snapshot
from backorder.analytics.filters import KpiFilter
from backorder.analytics.reading import reading
from backorder.analytics.suppliers import supplier_scores
from backorder.analytics.worklists import (
    SORTS,
    BackorderQuery,
    backorder_table,
    filter_options,
    items_at_risk,
    line_story,
    risk_scores,
)
from backorder.domain.errors import DomainError
from backorder.service_layer import queries
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from backorder.web import charts
from backorder.web.rendering import active_risk_model, context, render, signed_in, static_file

router = APIRouter(include_in_schema=False)
# Forms send empty fields as "": dates and numbers are parsed here, where "" means "not set".
Day = Annotated[str | None, Query(max_length=10)]
Text = Annotated[str | None, Query(max_length=64)]


def _date(name: str, value: str | None) -> date | None:
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _number(name: str, value: str | None) -> int | None:
    if not value or not value.strip():
        return None
    try:
        found = int(value.strip())
    except ValueError:
        raise InvalidInputError(name, f"{value!r} is not a whole number") from None
    if found < 0:
        raise InvalidInputError(name, "must not be negative")
    return found


def _scope(
    request: Request,
    start: str | None,
    end: str | None,
    region: str | None,
    location: str | None,
    product_line: str | None,
    item_group: str | None,
    tier: str | None,
) -> KpiFilter:
    return snapshot.make_filter(
        context(request).clock.today(),
        _date("start", start),
        _date("end", end),
        region=region,
        location=location,
        product_line=product_line,
        item_group=item_group,
        tier=tier,
    )


def _invalid(request: Request, error: DomainError) -> HTMLResponse:
    return render(
        request, "error.html", signed_in(request), status=422, title="Invalid filter", error=error
    )


@router.get("/static/{path:path}")
def static(path: str) -> Response:
    """The dashboard's scripts, styles and the vendored chart and htmx libraries."""
    return static_file(path)


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    start: Day = None,
    end: Day = None,
    region: Text = None,
    location: Text = None,
    product_line: Text = None,
    item_group: Text = None,
    tier: Text = None,
) -> HTMLResponse:
    """KPI tiles with trend, backlog aging, fill-rate trend, revenue shift, short items."""
    session = signed_in(request)
    ctx = context(request)
    try:
        where = _scope(request, start, end, region, location, product_line, item_group, tier)
    except InvalidInputError as error:
        return _invalid(request, error)
    found = snapshot.kpis(ctx, where, with_previous=True)
    with reading(ctx) as read:
        options = filter_options(read.connection)
    return render(
        request,
        "overview.html",
        session,
        title="Overview",
        k=found,
        where=where,
        options=options,
        charts=charts.overview(found),
        deltas=_deltas(found),
    )


def _deltas(found: snapshot.KpiSnapshot) -> dict[str, float | None]:
    """Change of each fill rate against the period before, in percentage points."""
    changes: dict[str, float | None] = {}
    for name in (
        "line_fill_rate",
        "unit_fill_rate",
        "order_fill_rate",
        "first_pass_line_fill_rate",
    ):
        now = getattr(found.service, name)
        before = getattr(found.previous, name) if found.previous else None
        changes[name] = None if now is None or before is None else 100 * (now - before)
    return changes


@router.get("/backorders", response_class=HTMLResponse)
def backorders(
    request: Request,
    start: Day = None,
    end: Day = None,
    region: Text = None,
    location: Text = None,
    product_line: Text = None,
    item_group: Text = None,
    tier: Text = None,
    sku: Text = None,
    customer: Text = None,
    min_age: Annotated[str | None, Query(max_length=6)] = None,
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "age",
    desc: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    """Backordered open lines: filter, sort, page; htmx swaps just the table."""
    session = signed_in(request)
    ctx = context(request)
    try:
        where = _scope(request, start, end, region, location, product_line, item_group, tier)
        min_age_days = _number("min_age", min_age)
    except InvalidInputError as error:
        return _invalid(request, error)
    query = BackorderQuery(
        scope=where,
        sku=(sku or "").strip() or None,
        customer=(customer or "").strip() or None,
        min_age_days=min_age_days,
        sort=sort,
        descending=desc,
        page=page,
    )
    with reading(ctx) as read:
        table = backorder_table(read.connection, read.today, query)
        options = filter_options(read.connection)
    fragment = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == "backorder-table"
    )
    return render(
        request,
        "_backorder_table.html" if fragment else "backorders.html",
        session,
        title="Backorders",
        table=table,
        where=where,
        options=options,
        params=_params(request),
    )


def _params(request: Request, **changes: Any) -> dict[str, str]:
    """The request's query parameters (for links that change one of them)."""
    found = {k: v for k, v in request.query_params.items() if v not in ("", None)}
    found.update({k: str(v) for k, v in changes.items()})
    return found


@router.get("/lines/{line_id}", response_class=HTMLResponse)
def line(request: Request, line_id: int) -> HTMLResponse:
    """One order line: facts, decision record in words, case timeline, tasks, notices."""
    session = signed_in(request)
    ctx = context(request)
    try:
        explanation = queries.explain_line(ctx, line_id)
    except NotFoundError as error:
        return render(request, "error.html", session, status=404, title="Not found", error=error)
    with reading(ctx) as read:
        story = line_story(read.connection, line_id)
        now = read.now
    return render(
        request,
        "line.html",
        session,
        title=f"Line {line_id}",
        line=explanation.line,
        explanation=explanation,
        story=story,
        now=now,
    )


@router.get("/suppliers", response_class=HTMLResponse)
def suppliers(
    request: Request,
    start: Day = None,
    end: Day = None,
    region: Text = None,
    location: Text = None,
    product_line: Text = None,
    item_group: Text = None,
) -> HTMLResponse:
    """Supplier scorecards: OTIF, acknowledgement latency, delays, open lateness."""
    session = signed_in(request)
    ctx = context(request)
    try:
        where = _scope(request, start, end, region, location, product_line, item_group, None)
    except InvalidInputError as error:
        return _invalid(request, error)
    with reading(ctx) as read:
        scores, totals = supplier_scores(
            read.connection,
            where,
            read.today,
            read.now,
            ctx.operations.case_timeouts().supplier_acknowledgement,
        )
        options = filter_options(read.connection)
    return render(
        request,
        "suppliers.html",
        session,
        title="Suppliers",
        scores=scores,
        totals=totals,
        where=where,
        options=options,
        charts=charts.suppliers(scores),
    )


@router.get("/process", response_class=HTMLResponse)
def process(
    request: Request,
    start: Day = None,
    end: Day = None,
    region: Text = None,
    location: Text = None,
    product_line: Text = None,
    item_group: Text = None,
    tier: Text = None,
) -> HTMLResponse:
    """Where cases stall: time in state, transitions, variants, teams, suppliers."""
    session = signed_in(request)
    try:
        where = _scope(request, start, end, region, location, product_line, item_group, tier)
    except InvalidInputError as error:
        return _invalid(request, error)
    view = snapshot.process(context(request), where)
    with reading(context(request)) as read:
        options = filter_options(read.connection)
    return render(
        request,
        "process.html",
        session,
        title="Process",
        view=view,
        where=where,
        options=options,
        charts=charts.process(view),
    )


@router.get("/risk", response_class=HTMLResponse)
def risk(
    request: Request,
    horizon: Annotated[str | None, Query(max_length=3)] = None,
) -> HTMLResponse:
    """Items at risk: the risk model's scores if one is active, and supply coverage."""
    session = signed_in(request)
    try:
        days = _number("horizon", horizon) or snapshot.DEFAULT_HORIZON_DAYS
    except InvalidInputError as error:
        return _invalid(request, error)
    days = min(max(days, 1), 90)
    with reading(context(request)) as read:
        at_risk = items_at_risk(read.connection, read.today, days)
        scores = risk_scores(read.connection)
    return render(
        request,
        "risk.html",
        session,
        title="Items at risk",
        items=at_risk,
        scores=scores,
        horizon=days,
        model=active_risk_model(request),
    )
