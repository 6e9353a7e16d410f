"""KPI groups at once on sibling connections, and cached snapshots, on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from backorder.analytics import snapshot
from backorder.analytics.filters import KpiFilter
from backorder.analytics.sql import tune
from backorder.analytics.together import shareable
from backorder.bootstrap import Application
from backorder.service_layer.handlers.orders import cancel_line
from tests.integration.test_kpis import PERIOD, build_world


@pytest.fixture
def world(application: Application) -> Application:
    """The application with the KPI world stored."""
    with application.engine.begin() as connection:
        build_world(connection)
    return application


def test_groups_at_once_give_what_one_after_another_gives(world: Application) -> None:
    views = [
        PERIOD,
        KpiFilter(PERIOD.start, PERIOD.end, region="west"),
        KpiFilter(PERIOD.start, PERIOD.end, item_group="G2"),
        KpiFilter(date(2026, 10, 1), PERIOD.end, location="EAST"),
    ]
    now = world.context.clock.now()
    with world.engine.connect() as connection:
        connection.begin()
        tune(connection)
        assert shareable(connection)  # a file or a server: the siblings do run
        for where in views:
            for with_previous in (False, True):
                at_once, one_by_one = (
                    snapshot.compute(
                        connection,
                        where,
                        today=now.date(),
                        now=now,
                        with_previous=with_previous,
                        together=together,
                    )
                    for together in (True, False)
                )
                assert at_once == one_by_one


def test_a_write_after_a_cached_read_shows_in_the_next_read(world: Application) -> None:
    first = snapshot.kpis(world.context, PERIOD)
    assert snapshot.kpis(world.context, PERIOD) is first  # unchanged data: the same snapshot
    assert (first.service.due_lines, first.backordered_lines) == (3, 2)
    cancel_line(world.context, 3, "customer cancelled", actor="test")
    after = snapshot.kpis(world.context, PERIOD)
    assert after is not first
    assert (after.service.due_lines, after.backordered_lines) == (2, 1)
