"""Schemas of the finance views: revenue shifted between fiscal periods, expedite cost."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class PeriodImpactRead(BaseModel):
    """One fiscal period: value shifted into and out of it, and what expediting cost."""

    period: str = Field(description="Label of the period (`2026-10`, or `FY2027-P01` for 4-4-5).")
    starts_on: date
    ends_on: date = Field(description="Last day of the period, inclusive.")
    fiscal_year: int
    fiscal_quarter: int
    shifted_in: float = Field(description="Open order value whose promise moved into the period.")
    shifted_out: float = Field(description="Open order value whose promise moved out of it.")
    net: float = Field(description="shifted_in - shifted_out.")
    lines_in: int = Field(description="Order lines that moved in.")
    lines_out: int = Field(description="Order lines that moved out.")
    expedite_cost: float = Field(description="Expedite cost booked in the period.")


class RevenueShiftRead(BaseModel):
    """Revenue shift per period of a range, with totals over the range."""

    calendar: str = Field(description="Fiscal calendar: `month` or `445`.")
    fiscal_year_start_month: int
    tier: str | None = None
    region: str | None = None
    periods: list[PeriodImpactRead]
    shifted_in: float
    shifted_out: float
    net: float
    expedite_cost: float
