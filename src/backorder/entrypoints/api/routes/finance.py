"""Finance routes: revenue shifted between fiscal periods by promise changes, expedite cost."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backorder.domain.model import Tier
from backorder.entrypoints.api.deps import Context, allowed
from backorder.entrypoints.api.schemas.finance import PeriodImpactRead, RevenueShiftRead
from backorder.service_layer.access import Caller, Role
from backorder.service_layer.handlers import finance

router = APIRouter(tags=["finance"])
FinanceReader = Annotated[Caller, allowed(Role.FINANCE, Role.VIEWER)]


@router.get("/finance/revenue-shift", response_model=RevenueShiftRead)
def revenue_shift(
    ctx: Context,
    _: FinanceReader,
    period: Annotated[
        str | None, Query(max_length=16, description="One fiscal period, e.g. `2026-10`.")
    ] = None,
    first: Annotated[
        str | None, Query(alias="from", max_length=16, description="First period of a range.")
    ] = None,
    last: Annotated[
        str | None, Query(alias="to", max_length=16, description="Last period of a range.")
    ] = None,
    tier: Annotated[Tier | None, Query(description="Only customers of this tier.")] = None,
    region: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Only this region.")
    ] = None,
) -> RevenueShiftRead:
    """Open order value moved into and out of fiscal periods by promise-date changes.

    Give one `period`, or a range `from`..`to` (both included). Each period reports the
    value shifted in, shifted out, the net, and the expedite cost booked in it.
    """
    report = finance.revenue_shift(
        ctx,
        period=period,
        first=first,
        last=last,
        tier=tier.value if tier else None,
        region=region,
    )
    periods = [
        PeriodImpactRead(
            period=p.period.label,
            starts_on=p.period.starts_on,
            ends_on=p.period.ends_on,
            fiscal_year=p.period.fiscal_year,
            fiscal_quarter=p.period.quarter,
            shifted_in=round(p.shifts.shifted_in, 2),
            shifted_out=round(p.shifts.shifted_out, 2),
            net=round(p.shifts.net, 2),
            lines_in=p.shifts.lines_in,
            lines_out=p.shifts.lines_out,
            expedite_cost=round(p.expedite_cost, 2),
        )
        for p in report.periods
    ]
    return RevenueShiftRead(
        calendar=report.calendar.value,
        fiscal_year_start_month=report.fiscal_year_start_month,
        tier=report.tier,
        region=report.region,
        periods=periods,
        shifted_in=round(report.shifted_in, 2),
        shifted_out=round(report.shifted_out, 2),
        net=round(report.shifted_in - report.shifted_out, 2),
        expedite_cost=round(report.expedite_cost, 2),
    )
