"""`backorder report`: every KPI and the process picture as one self-contained HTML file.

The charts are SVG drawn here (no script, no network), so the file can be mailed, opened
offline and printed; `to_pdf` prints it with a headless Chromium or LibreOffice when one
is installed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from backorder.analytics import charts
from backorder.analytics.filters import KpiFilter
from backorder.analytics.process import ProcessView
from backorder.analytics.snapshot import KpiSnapshot, kpis, process
from backorder.service_layer.context import ServiceContext

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass(frozen=True)
class KpiReport:
    """What the report shows."""

    title: str
    generated_at: datetime
    kpis: KpiSnapshot
    process: ProcessView

    @property
    def scope(self) -> str:
        """The filter in words."""
        where = self.kpis.where
        parts = [f"{where.start.isoformat()} to {where.end.isoformat()}"]
        for name in ("region", "location", "product_line", "item_group", "tier"):
            value = getattr(where, name)
            if value:
                parts.append(f"{name.replace('_', ' ')} {value}")
        return ", ".join(parts)

    def chart(self, name: str) -> Markup:
        """One of the report's charts as SVG."""
        k = self.kpis
        if name == "fill":
            return charts.line(
                [(w.week[5:], w.line_fill_rate) for w in k.weekly],
                label="Line fill rate (on time in full) by week requested",
            )
        if name == "aging":
            return charts.bars(
                [(b.label, float(b.units)) for b in k.backlog],
                label="Backordered units by age",
            )
        if name == "revenue":
            return charts.diverging(
                [(m.period, m.net) for m in k.money],
                label="Revenue shifted, net, by fiscal period",
            )
        if name == "short":
            return charts.bars(
                [(i.sku, float(i.units)) for i in k.short_items],
                label="Units short by item",
                color=charts.RED,
            )
        if name == "stall":
            return charts.bars(
                [(s.state.replace("_", " "), s.p90_hours or 0.0) for s in self.process.states],
                label="p90 hours in each case state",
                fmt=lambda v: f"{v:,.1f} h",
            )
        raise KeyError(name)


def build(ctx: ServiceContext, where: KpiFilter | None = None, title: str = "") -> KpiReport:
    """Compute the KPIs and the process picture for `where` (default: the last four weeks)."""
    snapshot = kpis(ctx, where, with_previous=True)
    return KpiReport(
        title=title or "Backorder KPIs",
        generated_at=ctx.clock.now(),
        kpis=snapshot,
        process=process(ctx, snapshot.where),
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def environment() -> Environment:
    """The Jinja environment of the report (and its number filters)."""
    env = Environment(
        loader=PackageLoader("backorder.analytics", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    return env


def render(report: KpiReport) -> str:
    """The report as one HTML page (inline CSS and SVG, no network)."""
    return environment().get_template("kpis.html").render(report=report, k=report.kpis)


def write(report: KpiReport, path: Path) -> Path:
    """Write the HTML report; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return path


def pdf_converter() -> list[str] | None:
    """The command that prints HTML to PDF here, or None (its last two arguments are added)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return [found, *CHROMIUM_FLAGS]
    office = shutil.which("libreoffice") or shutil.which("soffice")
    return [office, "--headless", "--convert-to", "pdf"] if office else None


def to_pdf(html: Path, pdf: Path, timeout: float = 120.0) -> Path | None:
    """Print the HTML file to PDF with Chromium or LibreOffice; None when neither exists."""
    command = pdf_converter()
    if command is None:
        return None
    if "--convert-to" in command:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [*command, "--outdir", out, str(html)],
                check=True,
                timeout=timeout,
                capture_output=True,
            )
            shutil.move(str(Path(out) / f"{html.stem}.pdf"), pdf)
    else:
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    *command,
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}",
                    html.resolve().as_uri(),
                ],
                check=True,
                timeout=timeout,
                capture_output=True,
            )
    return pdf if pdf.exists() else None


def facts(report: KpiReport) -> dict[str, Any]:
    """The headline numbers (for the CLI's summary)."""
    k = report.kpis
    return {
        "period": report.scope,
        "line fill rate": _pct(k.service.line_fill_rate),
        "first-pass line fill rate": _pct(k.service.first_pass_line_fill_rate),
        "backordered lines": f"{k.backordered_lines:,}",
        "backorder value": _num(k.backorder_value),
        "supplier OTIF": _pct(k.supplier_totals.otif_rate if k.supplier_totals else None),
    }
