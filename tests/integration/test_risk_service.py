"""Risk intelligence on both backends: item x DC facts from the database, scheduled scoring
with tasks, the `risk` sort key fed from stored scores, supplier delays, triage."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, insert, select

from backorder.adapters import orm
from backorder.adapters.backlog import load_backlog
from backorder.adapters.model_store import FileModelStore, ModelArtifacts
from backorder.bootstrap import Application
from backorder.risk.kaggle import parse_kaggle_text
from backorder.risk.policy import RiskPolicy, ScoringPolicy, default_risk_policy
from backorder.risk.settings import RiskSettings
from backorder.risk.train import train_risk_model
from backorder.service_layer.clock import FixedClock
from backorder.service_layer.handlers import orders
from backorder.service_layer.handlers.cases import open_cases, open_task
from backorder.service_layer.handlers.purchasing import (
    PurchaseOrderLineInput,
    create_purchase_order,
    receive,
)
from backorder.service_layer.handlers.risk import (
    NoActiveModelError,
    RiskService,
    drift_report,
    item_location_facts,
    list_scores,
    scheduled_scoring,
    score_all_items,
)
from backorder.service_layer.handlers.risk_delay import delay_model, supplier_delays
from backorder.service_layer.handlers.risk_triage import triage_queue
from backorder.service_layer.handlers.supply import StockLevel, set_stock
from tests.conftest import NOW
from tests.integration.helpers import TODAY, new_order, seed_master
from tests.unit.risk.conftest import FAST
from tests.unit.risk.synthetic import synthetic_csv

ACTOR = "test"


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model store with one active model trained on synthetic Kaggle rows."""
    root = tmp_path_factory.mktemp("risk-models")
    trained = train_risk_model(parse_kaggle_text(synthetic_csv(3000, seed=21)), FAST)
    store = FileModelStore(root)
    version = store.save(
        ModelArtifacts(
            trained.booster_text,
            trained.calibrator.to_json(),
            trained.metadata("0" * 64, "synthetic.csv"),
        )
    )
    store.promote(version, "test", "fixture")
    return root


def _service(
    application: Application, store: Path, policy: RiskPolicy | None = None
) -> RiskService:
    return RiskService(
        application.context,
        FileModelStore(store),
        policy or default_risk_policy(),
        RiskSettings(model_dir=store),
    )


def _world(application: Application, clock: FixedClock) -> None:
    """Stock, orders, a late and an early PO received, one PO still open and past due."""
    ctx = application.context
    seed_master(application)
    set_stock(
        ctx,
        [StockLevel("A", "EAST", 4), StockLevel("B", "EAST", 40), StockLevel("C", "WEST", 7)],
        ACTOR,
    )
    clock.set(NOW - timedelta(days=40))
    create_purchase_order(
        ctx,
        "PO-LATE",
        "ACME",
        [PurchaseOrderLineInput("A", "EAST", 10, TODAY - timedelta(days=30))],
        ACTOR,
    )
    create_purchase_order(
        ctx,
        "PO-EARLY",
        "ACME",
        [PurchaseOrderLineInput("B", "EAST", 5, TODAY - timedelta(days=20))],
        ACTOR,
    )
    create_purchase_order(
        ctx,
        "PO-OPEN",
        "ACME",
        [PurchaseOrderLineInput("A", "EAST", 30, TODAY - timedelta(days=2))],
        ACTOR,
    )
    clock.set(NOW - timedelta(days=22))
    receive(ctx, "PO-EARLY", 1, 5, ACTOR)  # 2 days early
    clock.set(NOW - timedelta(days=24))
    receive(ctx, "PO-LATE", 1, 10, ACTOR)  # 6 days late
    clock.set(NOW - timedelta(days=5))
    orders.place_order(ctx, new_order("SO-1", "C-STD", ("A", 20), ("C", 3)), ACTOR)
    clock.set(NOW)
    orders.place_order(ctx, new_order("SO-2", "C-STR", ("A", 8)), ACTOR)


@pytest.fixture
def world(application: Application, clock: FixedClock) -> Application:
    _world(application, clock)
    return application


def test_item_location_facts_come_from_stock_orders_and_purchase_orders(
    world: Application,
) -> None:
    facts = item_location_facts(world.context)
    at = {key: i for i, key in enumerate(facts.keys)}
    a = at[("A", "EAST")]
    assert facts.on_hand[a] == 14  # 4 + the 10 received
    assert facts.on_order[a] == 30
    assert facts.past_due[a] == 30  # due two days ago, not received
    assert facts.ordered[1][a] == 28
    assert facts.ordered[9][a] == 28
    assert facts.lead_time_days[a] == 21  # ACME's
    assert facts.safety_stock[a] == 2
    # Due in six months: PO-EARLY on time; PO-LATE received late, PO-OPEN still open.
    assert facts.on_time_6m[a] == pytest.approx(1 / 3)
    with world.engine.connect() as connection:
        backordered = connection.execute(
            select(func.sum(orm.order_lines.c.backordered_quantity)).where(
                orm.order_lines.c.sku == "A"
            )
        ).scalar_one()
    assert facts.backordered[a] == backordered
    c = at[("C", "WEST")]
    assert facts.on_hand[c] == 7
    assert np.isnan(facts.lead_time_days[c])  # C has no supplier
    assert ("C", "EAST") in at  # ordered for EAST, never stocked there


def test_scoring_stores_scores_opens_tasks_once_a_day_and_feeds_the_sort_key(
    world: Application, model_store: Path, clock: FixedClock
) -> None:
    policy = RiskPolicy(scoring=ScoringPolicy(task_threshold=0.02, explain_top=0))
    service = _service(world, model_store, policy)
    run = score_all_items(service)
    page = list_scores(
        world.context, min_probability=0.0, sku=None, location=None, after=None, limit=100
    )
    assert run.scored == len(page.scores) >= 4
    assert run.model_version == "v0001"
    probabilities = [s.probability for s in page.scores]
    assert probabilities == sorted(probabilities, reverse=True)
    above = [s for s in page.scores if s.probability >= 0.02]
    assert run.above_threshold == len(above) == run.tasks_opened >= 1
    assert all(s.reasons for s in above)  # explained: at or above the threshold
    assert all(not s.reasons for s in page.scores if s.probability < 0.02)
    assert set(page.scores[0].features) >= {"national_inv", "weeks_of_cover"}
    with world.engine.connect() as connection:
        tasks = connection.execute(
            select(orm.tasks).where(orm.tasks.c.task_type == "backorder_risk")
        ).all()
    assert len(tasks) == len(above)
    assert {t.team for t in tasks} == {"procurement"}
    assert all("Why:" in t.detail and "%" in t.subject for t in tasks)
    # Same day: no second task; next day: a new one.
    assert score_all_items(service).tasks_opened == 0
    clock.set(NOW + timedelta(days=1))
    assert score_all_items(service).tasks_opened == len(above)
    # The allocation engine reads the latest score of each line's item at its home DC.
    with world.engine.connect() as connection:
        built = load_backlog(connection, ["A", "C"], TODAY, ("strategic", "contract", "standard"))
    demand = built.problem.demand
    scores = {(s.sku, s.location): s.probability for s in page.scores}
    skus = built.problem.catalog.skus
    locations = built.problem.network.locations
    for row in range(demand.line_id.size):
        key = (skus[demand.item[row]], locations[demand.home[row]])
        assert demand.risk[row] == pytest.approx(scores.get(key, 0.0))
    assert demand.risk.max() > 0


def test_paging_by_probability_and_filters(world: Application, model_store: Path) -> None:
    score_all_items(_service(world, model_store))
    ctx = world.context
    seen, after = [], None
    while True:
        page = list_scores(ctx, min_probability=0.0, sku=None, location=None, after=after, limit=2)
        seen += [(s.sku, s.location) for s in page.scores]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    everything = list_scores(
        ctx, min_probability=0.0, sku=None, location=None, after=None, limit=100
    )
    assert seen == [(s.sku, s.location) for s in everything.scores]
    only_a = list_scores(ctx, min_probability=0.0, sku="A", location=None, after=None, limit=100)
    assert {s.sku for s in only_a.scores} == {"A"}
    top = everything.scores[0].probability
    assert all(
        s.probability >= top
        for s in list_scores(
            ctx, min_probability=top, sku=None, location=None, after=None, limit=100
        ).scores
    )


def test_without_an_active_model_scheduled_scoring_does_nothing(
    world: Application, tmp_path: Path
) -> None:
    service = _service(world, tmp_path / "empty")
    assert scheduled_scoring(service) is None
    with pytest.raises(NoActiveModelError):
        drift_report(service)


def test_drift_reports_psi_per_feature_against_training(
    world: Application, model_store: Path
) -> None:
    report = drift_report(_service(world, model_store))
    assert report.rows >= 4
    assert report.psi_alert == 0.25
    assert {d.feature for d in report.features} >= {"national_inv", "lead_time"}
    # A handful of database item x DCs is nothing like the synthetic training rows.
    assert report.drifted
    assert all(d.psi > 0.25 for d in report.features if d.drifted)


def test_supplier_delays_from_receipts(world: Application) -> None:
    policy = default_risk_policy()
    model = delay_model(world.context, policy)
    acme = model.estimate("ACME", "g1")
    assert acme.receipts == 1  # A (group g1): 6 days late
    overall = model.estimate("ACME")
    assert overall.receipts == 2
    assert overall.on_time_share == 0.5
    pool, suppliers = supplier_delays(world.context, policy)
    assert [s.supplier for s in suppliers] == ["ACME"]
    assert pool.receipts == 2
    assert 0 <= acme.p50_days <= acme.p90_days <= 7


def test_triage_orders_customer_service_tasks_by_severity(
    world: Application, clock: FixedClock
) -> None:
    ctx = world.context
    with world.engine.connect() as connection:
        lines = {
            r.order_id: r.line_id
            for r in connection.execute(
                select(orm.order_lines.c.order_id, orm.order_lines.c.line_id).where(
                    orm.order_lines.c.sku == "A"
                )
            )
        }
    with ctx.unit_of_work() as uow:
        open_cases(
            uow,
            [(lines["SO-1"], "A", "C-STD"), (lines["SO-2"], "A", "C-STR")],
        )
        for order_id, line_id in lines.items():
            open_task(
                uow,
                ctx,
                cause=f"test/{order_id}",
                case_id=f"case-{line_id}",
                task_type="promise_at_risk",
                subject=f"promise at risk {order_id}",
                detail="",
            )
        uow.connection.execute(  # type: ignore[attr-defined]
            insert(orm.promise_history),
            [
                {
                    "line_id": lines["SO-2"],
                    "at": NOW - timedelta(days=d),
                    "old_promise_date": date(2026, 12, 1),
                    "promise_date": date(2026, 12, 8),
                    "reason": "supplier slipped",
                }
                for d in (1, 3, 40)
            ],
        )
        uow.commit()
    queue = triage_queue(ctx, default_risk_policy())
    ranked = [t.row.order_id for t in queue.tasks]
    assert ranked[:2] == ["SO-2", "SO-1"]  # strategic, contract, two recent slips
    first = queue.tasks[0]
    assert first.facts.tier == "strategic"
    assert first.facts.contract
    assert first.facts.recent_slips == 2  # the third is older than 30 days
    assert any("strategic customer" in r for r in first.severity.reasons)
    assert all(r.endswith("(raises severity)") for r in first.severity.reasons)
    assert first.severity.score > queue.tasks[1].severity.score


def test_risk_scores_table_round_trips_json(world: Application) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with world.engine.begin() as connection:
        connection.execute(
            insert(orm.risk_scores).values(
                sku="A",
                location="EAST",
                probability=0.42,
                reasons=["on hand covers 0.2 weeks of forecast (raises risk)"],
                features={"national_inv": 3.0, "lead_time": None},
                model_version="v0007",
                scored_at=now,
            )
        )
    page = list_scores(
        world.context, min_probability=0.4, sku=None, location=None, after=None, limit=5
    )
    [score] = page.scores
    assert score.features == {"national_inv": 3.0, "lead_time": None}
    assert score.scored_at == now
    assert dataclasses.asdict(score)["reasons"][0].startswith("on hand covers")


def test_an_empty_database_scores_nothing(application: Application, model_store: Path) -> None:
    run = score_all_items(_service(application, model_store))
    assert (run.scored, run.above_threshold, run.tasks_opened) == (0, 0, 0)
    assert drift_report(_service(application, model_store)).features == []
