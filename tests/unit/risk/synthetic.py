"""Small synthetic files in the Kaggle product-backorders schema, with a learnable label.

The label depends on stock coverage, supplier performance and a risk flag the way a real
backorder does (thin coverage plus an unreliable supplier), so a model trained on a few
thousand rows ranks well and its calibration can be checked.
"""

from __future__ import annotations

import numpy as np

from backorder.risk.kaggle import SCHEMA_COLUMNS


def synthetic_rows(rows: int, seed: int = 7, label: bool = True) -> list[dict[str, str]]:
    """Rows as dicts of cell text, in the Kaggle schema."""
    rng = np.random.default_rng(seed)
    forecast = rng.gamma(0.8, 60.0, rows).round()
    inventory = (forecast * rng.gamma(1.2, 0.6, rows) - rng.poisson(3, rows)).round()
    in_transit = (forecast * rng.uniform(0, 0.4, rows)).round()
    sales_3 = (forecast * rng.uniform(0.6, 1.3, rows)).round()
    performance = np.clip(rng.beta(6, 2, rows), 0, 1).round(2)
    unknown_performance = rng.random(rows) < 0.05
    lead_time = rng.choice([2.0, 4.0, 8.0, 12.0, 52.0], rows)
    no_lead_time = rng.random(rows) < 0.05
    deck_risk = rng.random(rows) < 0.2
    cover = (inventory + in_transit) / np.maximum(forecast / 13.0, 0.5)
    log_odds = -3.2 - 0.6 * np.log1p(np.maximum(cover, 0)) + 3.0 * (0.75 - performance)
    log_odds += 0.8 * deck_risk + 1.5 * (inventory <= 0)
    outcome = rng.random(rows) < 1.0 / (1.0 + np.exp(-log_odds))
    out = []
    for i in range(rows):
        perf = "-99.0" if unknown_performance[i] else f"{performance[i]:.2f}"
        row = {
            "sku": str(1_000_000 + i),
            "national_inv": f"{inventory[i]:.0f}",
            "lead_time": "" if no_lead_time[i] else f"{lead_time[i]:.1f}",
            "in_transit_qty": f"{in_transit[i]:.0f}",
            "forecast_3_month": f"{forecast[i]:.0f}",
            "forecast_6_month": f"{2 * forecast[i]:.0f}",
            "forecast_9_month": f"{3 * forecast[i]:.0f}",
            "sales_1_month": f"{sales_3[i] / 3:.0f}",
            "sales_3_month": f"{sales_3[i]:.0f}",
            "sales_6_month": f"{2 * sales_3[i]:.0f}",
            "sales_9_month": f"{3 * sales_3[i]:.0f}",
            "min_bank": f"{forecast[i] / 6:.0f}",
            "potential_issue": "No",
            "pieces_past_due": "0",
            "perf_6_month_avg": perf,
            "perf_12_month_avg": perf,
            "local_bo_qty": "0",
            "deck_risk": "Yes" if deck_risk[i] else "No",
            "oe_constraint": "No",
            "ppap_risk": "No",
            "stop_auto_buy": "Yes",
            "rev_stop": "No",
        }
        if label:
            row["went_on_backorder"] = "Yes" if outcome[i] else "No"
        out.append(row)
    return out


def synthetic_csv(rows: int, seed: int = 7, label: bool = True, footer: bool = False) -> str:
    """A whole CSV text; with `footer` it ends like the official files: "(N rows)",,,..."""
    columns = [c for c in SCHEMA_COLUMNS if label or c != "went_on_backorder"]
    lines = [",".join(columns)]
    lines += [",".join(row[c] for c in columns) for row in synthetic_rows(rows, seed, label)]
    if footer:
        lines.append(f"({rows} rows)" + "," * (len(columns) - 1))
    return "\n".join(lines) + "\n"
