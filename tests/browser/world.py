"""A small replayed distributor with backorder cases and tasks, for the browser tests.

The replay runs the reference scenario through the service; after each day the cases a
dispatcher would open are opened and every open case is evaluated once (what the durable
workflows do, without running DBOS), so the dashboard has case timelines and task queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from backorder.adapters import orm
from backorder.bootstrap import Application, bootstrap
from backorder.config import Settings
from backorder.scenario.reference import ReferenceSpec, generate
from backorder.scenario.replay import Replay, load_opening_state
from backorder.service_layer.access import Role, create_api_key
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers.cases import evaluate_case, open_cases

SPEC = ReferenceSpec(seed=7, days=14, items=150, customers=30, suppliers=6, lines_per_day=70.0)


@dataclass(frozen=True)
class SeededWorld:
    """Where the seeded database is, the business time it ends at and a key per role."""

    database_url: str
    home: Path
    now: datetime
    keys: dict[Role, str]


def _drive_cases(application: Application) -> None:
    """Open cases for backordered lines without one, then evaluate every open case."""
    ctx = application.context
    lines, cases = orm.order_lines, orm.backorder_cases
    with application.engine.connect() as connection:
        fresh = connection.execute(
            select(lines.c.line_id, lines.c.sku, lines.c.customer).where(
                lines.c.backordered_quantity > 0,
                lines.c.status.not_in(("cancelled", "shipped")),
                lines.c.line_id.not_in(select(cases.c.line_id)),
            )
        ).all()
    if fresh:
        with ctx.unit_of_work() as uow:
            open_cases(uow, [(r.line_id, r.sku, r.customer) for r in fresh])
            uow.commit()
    with application.engine.connect() as connection:
        active = (
            connection.execute(
                select(cases.c.case_id).where(cases.c.state.not_in(("closed", "cancelled")))
            )
            .scalars()
            .all()
        )
    for case_id in active:
        evaluate_case(ctx, case_id, "daily check")


def seed(home: Path) -> SeededWorld:
    """Replay the small scenario into a SQLite file under `home`."""
    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(home / 'browser.db').as_posix()}"
    scenario = generate(SPEC)
    clock = FixedClock(datetime.combine(SPEC.start, datetime.min.time(), tzinfo=UTC))
    application = bootstrap(Settings(database_url=url, home=home), clock=clock)
    try:
        load_opening_state(application.context, scenario)
        Replay(application.context, clock, scenario).run(
            lambda done, total: _drive_cases(application)
        )
        keys = {
            role: create_api_key(application.context, role.value, f"browser {role.value}", "test")
            for role in (Role.ADMIN, Role.VIEWER)
        }
        return SeededWorld(url, home, clock.now(), keys)
    finally:
        application.close()
