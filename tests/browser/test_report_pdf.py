"""`backorder report` prints a PDF with Debian's Chromium when it is installed."""

from __future__ import annotations

from pathlib import Path

from backorder.analytics import document
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.service_layer.clock import FixedClock
from tests.browser.conftest import Server


def test_the_report_prints_to_pdf(server: Server, artifacts: Path) -> None:
    world = server.world
    application = bootstrap(
        Settings(database_url=world.database_url, home=world.home), clock=FixedClock(world.now)
    )
    try:
        report = document.build(application.context, title="Browser world")
    finally:
        application.close()
    html = document.write(report, artifacts / "report.html")
    assert html.read_text(encoding="utf-8").count("<svg") == 5
    pdf = document.to_pdf(html, artifacts / "report.pdf")
    assert pdf is not None
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 10_000
