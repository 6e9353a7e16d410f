"""Model inputs built from the project's own tables, in the Kaggle snapshot schema.

The backorder-risk model is trained on the public Kaggle "product backorders" schema; to
score the item x DCs this service manages, their facts are put into the same columns, so
one model, one explanation vocabulary and one drift reference serve both paths:

| Kaggle column            | from the database (per item x DC, as of today)                |
|--------------------------|----------------------------------------------------------------|
| national_inv             | units on hand                                                  |
| lead_time                | the item's supplier lead time, in weeks (unknown: no supplier) |
| in_transit_qty           | units on open purchase-order lines to the DC                   |
| forecast_N_month         | forecast proxy: units ordered for the DC in the last N months  |
| sales_N_month            | units shipped from the DC in the last N months                 |
| min_bank                 | the item's safety stock                                        |
| pieces_past_due          | open purchase-order units past the supplier's date             |
| perf_6/12_month_avg      | the supplier's on-time share of lines due in 6/12 months       |
| local_bo_qty             | units backordered on open order lines at the DC                |
| potential_issue, ...     | No: the database keeps no such flags                           |

This module is pure: the adapter query (`adapters/repositories/risk.py`) supplies the
aggregated facts; nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.risk.kaggle import FLAG_COLUMNS, FloatArray, Snapshots, StrArray

DAYS_PER_WEEK = 7.0
MONTH_WINDOWS = (1, 3, 6, 9)  # months of ordered and shipped units the schema asks for


@dataclass(frozen=True)
class ItemLocationFacts:
    """Aggregated facts per item x DC, one array entry per pair (NaN: unknown)."""

    sku: StrArray
    location: StrArray
    on_hand: FloatArray
    lead_time_days: FloatArray
    on_order: FloatArray
    past_due: FloatArray
    ordered: dict[int, FloatArray]  # months -> units ordered in the last N months
    shipped: dict[int, FloatArray]  # months -> units shipped in the last N months
    safety_stock: FloatArray
    backordered: FloatArray
    on_time_6m: FloatArray
    on_time_12m: FloatArray

    def __len__(self) -> int:
        return int(self.sku.shape[0])

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(sku, location) of every entry."""
        return list(zip(self.sku.tolist(), self.location.tolist(), strict=True))


def snapshots_from_facts(facts: ItemLocationFacts) -> Snapshots:
    """The facts as Kaggle-schema snapshots; the `sku` of each row is "<sku>@<location>"."""
    n = len(facts)
    values: dict[str, FloatArray] = {
        "national_inv": facts.on_hand.astype(np.float64),
        "lead_time": facts.lead_time_days / DAYS_PER_WEEK,
        "in_transit_qty": facts.on_order.astype(np.float64),
        "forecast_3_month": facts.ordered[3].astype(np.float64),
        "forecast_6_month": facts.ordered[6].astype(np.float64),
        "forecast_9_month": facts.ordered[9].astype(np.float64),
        "sales_1_month": facts.shipped[1].astype(np.float64),
        "sales_3_month": facts.shipped[3].astype(np.float64),
        "sales_6_month": facts.shipped[6].astype(np.float64),
        "sales_9_month": facts.shipped[9].astype(np.float64),
        "min_bank": facts.safety_stock.astype(np.float64),
        "pieces_past_due": facts.past_due.astype(np.float64),
        "perf_6_month_avg": facts.on_time_6m.astype(np.float64),
        "perf_12_month_avg": facts.on_time_12m.astype(np.float64),
        "local_bo_qty": facts.backordered.astype(np.float64),
    }
    for flag in FLAG_COLUMNS:
        values[flag] = np.zeros(n, dtype=np.float64)
    row_ids = np.asarray(
        [f"{sku}@{location}" for sku, location in facts.keys], dtype=np.str_
    ).reshape(n)
    return Snapshots(sku=row_ids, values=values, went_on_backorder=None)


def empty_facts() -> ItemLocationFacts:
    """Facts of no item x DC."""
    nothing = np.zeros(0, dtype=np.float64)
    return ItemLocationFacts(
        sku=np.zeros(0, dtype="U1"),
        location=np.zeros(0, dtype="U1"),
        on_hand=nothing,
        lead_time_days=nothing,
        on_order=nothing,
        past_due=nothing,
        ordered=dict.fromkeys(MONTH_WINDOWS, nothing),
        shipped=dict.fromkeys(MONTH_WINDOWS, nothing),
        safety_stock=nothing,
        backordered=nothing,
        on_time_6m=nothing,
        on_time_12m=nothing,
    )
