"""The reference distributor replayed through the service: state stays consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backorder.adapters import orm
from backorder.analytics.report import build_report, render_html
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.scenario.reference import ReferenceSpec, generate
from backorder.scenario.replay import Replay, load_opening_state
from backorder.service_layer.clock import FixedClock


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("demo")
    spec = ReferenceSpec(seed=11, days=12, items=200, customers=40, lines_per_day=80.0)
    scenario = generate(spec)
    clock = FixedClock(datetime.combine(spec.start, datetime.min.time(), tzinfo=UTC))
    application = bootstrap(
        Settings(database_url=f"sqlite:///{(Path(home) / 'demo.db').as_posix()}", home=home),
        clock=clock,
    )
    load_opening_state(application.context, scenario)
    log = Replay(application.context, clock, scenario).run()
    yield application, scenario, spec, log
    application.close()


def test_every_order_line_of_the_world_is_stored(replayed) -> None:  # type: ignore[no-untyped-def]
    application, scenario, _, log = replayed
    with application.engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(orm.order_lines)).scalar_one()
    assert stored == sum(len(order.lines) for order in scenario.orders())
    assert stored == len(log.line_ids)


def test_no_source_is_ever_allocated_beyond_its_units(replayed) -> None:  # type: ignore[no-untyped-def]
    application = replayed[0]
    a, inv, pol = orm.allocations, orm.inventory, orm.purchase_order_lines
    with application.engine.connect() as connection:
        held = dict(
            connection.execute(
                select(a.c.source_id, func.sum(a.c.quantity)).group_by(a.c.source_id)
            ).all()
        )
        stock = {
            f"OH/{r.sku}/{r.location}": r.on_hand for r in connection.execute(select(inv)).all()
        }
        receipts = {
            r.source_id: r.quantity - r.received_quantity
            for r in connection.execute(select(pol)).all()
        }
    for source, units in held.items():
        assert units <= stock.get(source, receipts.get(source, 0)), source


def test_lines_ship_and_stock_never_goes_negative(replayed) -> None:  # type: ignore[no-untyped-def]
    application, _, _, log = replayed
    with application.engine.connect() as connection:
        shipped = connection.execute(
            select(func.coalesce(func.sum(orm.shipments.c.quantity), 0))
        ).scalar_one()
        lowest = connection.execute(select(func.min(orm.inventory.c.on_hand))).scalar_one()
    assert shipped == sum(d.shipped_units for d in log.days) > 0
    assert lowest >= 0


def test_report_has_rates_aging_and_the_surge(replayed) -> None:  # type: ignore[no-untyped-def]
    application, scenario, spec, log = replayed
    report = build_report(
        application.engine,
        title="test report",
        start=spec.start,
        end=spec.start + timedelta(days=spec.days - 1),
        surge_group=scenario.surge_group,
        surge_days=(spec.surge_first_day, spec.surge_last_day),
        first_pass_line_fill_rate=0.5,
        facts={"lines": len(log.line_ids)},
    )
    assert 0 < report.overall.line_fill_rate <= 1
    assert 0 < report.overall.unit_fill_rate <= 1
    assert next(b.label for b in report.backlog) == "0-7 days"
    html = render_html(report)
    assert "test report" in html
    assert "<svg" in html
    assert "http" not in html.split("<body>", 1)[1]  # no external resources
