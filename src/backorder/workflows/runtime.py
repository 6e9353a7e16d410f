"""The DBOS runtime of this process: its configuration, and the service it works for.

Workflow and step functions are module-level (DBOS registers them by name), so they find
the application's service context here. `start` wires it and launches DBOS; nothing
happens at import time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbos import DBOS, DBOSConfig
from sqlalchemy import Engine, create_engine, event

from backorder.bootstrap import Application
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.group_commit import GroupCommitter, one_by_one_on_failure
from backorder.service_layer.handlers import cases as case_handlers
from backorder.service_layer.handlers.cases import CaseLook, CaseStep
from backorder.workflows import sqlite_notifications

CASE_QUEUE = "backorder-cases"
OPENING_REASON = "case opened"
EVALUATION_BATCH = 100  # cases per shared transaction: bounds how long item locks are held


@dataclass
class _Runtime:
    context: ServiceContext | None = None
    evaluations: GroupCommitter[CaseLook, CaseStep] | None = None
    launched: bool = False
    queues: list[Any] = field(default_factory=list)
    system_engine: Engine | None = None  # ours to dispose (DBOS leaves a custom engine be)


_runtime = _Runtime()


def context() -> ServiceContext:
    """The service context workflow steps act on (set by `start`)."""
    if _runtime.context is None:
        raise RuntimeError("the workflow runtime is not started (call workflows.runtime.start)")
    return _runtime.context


def evaluations() -> GroupCommitter[CaseLook, CaseStep]:
    """Where case workflows send their evaluations: batched into shared transactions."""
    if _runtime.evaluations is None:
        raise RuntimeError("the workflow runtime is not started (call workflows.runtime.start)")
    return _runtime.evaluations


def _evaluate_batch(looks: Sequence[CaseLook]) -> list[CaseStep]:
    # Looked up at call time, so a test can wrap the handler (see the crash-safety test).
    return case_handlers.evaluate_cases(context(), looks)


def system_database_url(application: Application) -> str:
    """DBOS's own database: PostgreSQL beside ours, or an SQLite file next to ours."""
    settings = application.settings
    if settings.dbos_system_database_url:
        return settings.dbos_system_database_url
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return f"sqlite:///{(path.parent / (path.stem + '-workflows.sqlite')).as_posix()}"
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _sqlite_system_engine(url: str) -> Engine:
    """DBOS's SQLite engine, in WAL mode.

    DBOS would open its SQLite file in rollback-journal mode with full sync: every step
    record then costs fsyncs and blocks readers, and a surge of cases crawls (about 20
    workflows a second here, against over 300 in WAL). As DBOS does, writers take the
    lock at BEGIN. WAL with synchronous=NORMAL loses no commit to a process crash (only,
    possibly, the last ones to a power cut), the same trade our own SQLite file makes.
    """
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = "IMMEDIATE"
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=30000",
            "foreign_keys=ON",
        ):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    return engine


def _outside_event_loop(work: Callable[[], None]) -> None:
    """Run `work` here, or in a helper thread when this thread runs an event loop.

    DBOS refuses to launch or register queues from inside a running loop (an ASGI
    lifespan, or a test process where Playwright's sync API keeps one running).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work()
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dbos-launch") as pool:
        pool.submit(work).result()


def start(application: Application, *, run_workers: bool = True) -> None:
    """Configure and launch DBOS for this process; idempotent."""
    _outside_event_loop(lambda: _start(application, run_workers=run_workers))


def _start(application: Application, *, run_workers: bool) -> None:
    _runtime.context = application.context
    if _runtime.evaluations is None:
        _runtime.evaluations = GroupCommitter(
            "case-evaluation",
            one_by_one_on_failure(_evaluate_batch),
            max_batch=EVALUATION_BATCH,
            # News about a case goes before the first look of cases opened in a surge.
            urgent=lambda look: look.reason != OPENING_REASON,
        )
    if _runtime.launched:
        return
    # Registers the workflow functions and the case action executors (imports for their
    # side effect of registration).
    from backorder.service_layer.handlers import case_executors  # noqa: F401
    from backorder.workflows import lifecycle  # noqa: F401

    config: DBOSConfig = {
        "name": "backorder",
        "system_database_url": system_database_url(application),
        "application_version": application.settings.application_version,
        "notification_listener_polling_interval_sec": application.settings.workflow_poll_seconds,
        # DBOS narrates every launch at INFO (schema migrations, recovery); ours says enough.
        "log_level": "DEBUG" if application.settings.log_level.upper() == "DEBUG" else "WARNING",
    }
    if not run_workers:
        config["executor_id"] = "api-only"
    system_url = system_database_url(application)
    if system_url.startswith("sqlite"):
        _runtime.system_engine = _sqlite_system_engine(system_url)
        sqlite_notifications.install()
        config["system_database_engine"] = _runtime.system_engine
    DBOS(config=config)
    DBOS.launch()
    _runtime.queues.append(
        DBOS.register_queue(
            CASE_QUEUE,
            worker_concurrency=None,
            polling_interval_sec=2 * application.settings.workflow_poll_seconds,
        )
    )
    _runtime.launched = True


def stop() -> None:
    """Shut DBOS down (tests, process exit)."""
    _outside_event_loop(_stop)


def _stop() -> None:
    if _runtime.launched:
        DBOS.destroy(destroy_registry=False)
    if _runtime.evaluations is not None:
        _runtime.evaluations.close()
        _runtime.evaluations = None
    if _runtime.system_engine is not None:
        _runtime.system_engine.dispose()
        _runtime.system_engine = None
    _runtime.launched = False
    _runtime.context = None
    _runtime.queues.clear()
