"""`backorder demo`: the reference distributor's 90 days, replayed through the service."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from backorder.analytics.report import build_report, write_html
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.entrypoints.cli.report_tables import print_report
from backorder.scenario.operations import SimulatedOperations
from backorder.scenario.reference import ReferenceSpec, generate
from backorder.scenario.replay import Orchestration, Replay, load_opening_state
from backorder.service_layer.clock import FixedClock
from backorder.workflows import runtime
from backorder.workflows.replay_driver import ReplayedCases

console = Console()


def _orchestration_facts(orchestration: Orchestration) -> dict[str, str]:
    cases = orchestration.cases
    done = orchestration.operations.log
    facts = {
        "simulated people: tasks resolved, picks (short)": (
            f"{done.tasks_resolved:,}, {done.picks:,} ({done.short_picks:,})"
        ),
        "purchase suggestions approved / rejected": (
            f"{done.suggestions_approved:,} / {done.suggestions_rejected:,}"
        ),
        "expedites approved / rejected": (
            f"{done.expedites_approved:,} / {done.expedites_rejected:,}"
        ),
        "service purchase orders acknowledged / received": (
            f"{done.acknowledgements:,} / {done.receipts:,}"
        ),
    }
    if isinstance(cases, ReplayedCases):
        facts["case workflows opened / woken"] = f"{cases.opened:,} / {cases.woken:,}"
        facts["tasks breached / escalated"] = f"{cases.breached:,} / {cases.escalated:,}"
        if cases.stalls:
            facts["workflow stalls"] = "; ".join(cases.stalls[:3])
    return facts


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the reference scenario.")] = 2026,
    days: Annotated[int, typer.Option(min=7, max=365, help="Days to replay.")] = 90,
    scale: Annotated[float, typer.Option(min=0.05, max=4.0, help="Size of the world.")] = 1.0,
    home: Annotated[Path, typer.Option(help="Where the database and report go.")] = Path(
        ".backorder"
    ),
    workflows: Annotated[
        bool,
        typer.Option(
            help="Run backorder cases as durable workflows, with simulated people and partners."
        ),
    ] = True,
) -> None:
    """Replay the reference distributor's days through the service and report on service."""
    started = time.perf_counter()
    spec = ReferenceSpec(seed=seed, days=days, scale=scale)
    with console.status("generating the reference distributor ..."):
        scenario = generate(spec)
    summary = scenario.summary()
    console.print(
        f"Reference distributor: {summary['items']:,} items, {summary['customers']:,} "
        f"customers, {summary['suppliers']} suppliers, {summary['order_lines']:,} order lines "
        f"over {days} days; surge in {summary['surge_group']} on days "
        f"{spec.surge_first_day}-{spec.surge_last_day}."
    )
    database = home / "demo.db"
    system = home / "demo-workflows.sqlite"
    for base in (database, system):
        for leftover in (base, Path(f"{base}-wal"), Path(f"{base}-shm"), Path(f"{base}-journal")):
            leftover.unlink(missing_ok=True)
    url = f"sqlite:///{database.as_posix()}"
    clock = FixedClock(datetime.combine(spec.start, datetime.min.time(), tzinfo=UTC))
    # The replay waits for every case it wakes: workflows should hear of news at once.
    settings = Settings(database_url=url, home=home, workflow_poll_seconds=0.02)
    application = bootstrap(settings, clock=clock)
    try:
        with console.status("loading master data, stock and open purchase orders ..."):
            load_opening_state(application.context, scenario)
        with Progress(
            TextColumn("replaying days"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("replay", total=days)
            orchestration = None
            if workflows:
                runtime.start(application)
                orchestration = Orchestration(
                    ReplayedCases(application.context),
                    SimulatedOperations(application.context, scenario.unreliable_suppliers, seed),
                )
            log = Replay(application.context, clock, scenario, orchestration).run(
                lambda done, total: progress.update(task, completed=done)
            )
        lines = sum(d.lines for d in log.days)
        in_full = sum(d.lines_in_full_at_intake for d in log.days)
        end = spec.start + timedelta(days=days - 1)
        report = build_report(
            application.engine,
            title="Reference distributor: service report",
            start=spec.start,
            end=end,
            surge_group=scenario.surge_group,
            surge_days=(spec.surge_first_day, spec.surge_last_day),
            first_pass_line_fill_rate=in_full / lines if lines else 1.0,
            facts={
                "order lines replayed": f"{lines:,}",
                "receipts": f"{sum(d.receipts for d in log.days):,}",
                "lines shipped": f"{sum(d.shipped_lines for d in log.days):,}",
                "order changes applied / refused (already shipped)": (
                    f"{sum(d.changes for d in log.days):,} / "
                    f"{sum(d.changes_refused for d in log.days):,}"
                ),
                "unreliable suppliers": ", ".join(scenario.unreliable_suppliers),
                "replay seconds": f"{time.perf_counter() - started:.0f}",
                **(_orchestration_facts(orchestration) if orchestration else {}),
            },
        )
    finally:
        if workflows:
            runtime.stop()
        application.close()
    print_report(console, report)
    if not workflows:
        console.print(
            "Without --workflows no simulated team works the task queues and no case runs: "
            "tasks raised inline (late suppliers) stay open and breach their SLA. "
            "`backorder serve` on this database first starts a workflow for every open "
            "case (a few minutes of work); BACKORDER_WORKFLOWS=false serves the API and "
            "the dashboard alone."
        )
    html = write_html(report, home / "demo-report.html")
    console.print(f"\nReport written to {html}")
    console.print(
        f"Explore it: BACKORDER_DATABASE_URL={url} .venv/bin/backorder keys create "
        "--role admin --name me\n"
        f"            BACKORDER_DATABASE_URL={url} .venv/bin/backorder serve   "
        "(then open http://127.0.0.1:8000/docs)"
    )
    console.print(f"Done in {time.perf_counter() - started:.0f} s.")
