"""The DBOS runtime of this process: its configuration, and the service it works for.

Workflow and step functions are module-level (DBOS registers them by name), so they find
the application's service context here. `start` wires it and launches DBOS; nothing
happens at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbos import DBOS, DBOSConfig

from backorder.bootstrap import Application
from backorder.service_layer.context import ServiceContext

CASE_QUEUE = "backorder-cases"


@dataclass
class _Runtime:
    context: ServiceContext | None = None
    launched: bool = False
    queues: list[Any] = field(default_factory=list)


_runtime = _Runtime()


def context() -> ServiceContext:
    """The service context workflow steps act on (set by `start`)."""
    if _runtime.context is None:
        raise RuntimeError("the workflow runtime is not started (call workflows.runtime.start)")
    return _runtime.context


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


def start(application: Application, *, run_workers: bool = True) -> None:
    """Configure and launch DBOS for this process; idempotent."""
    _runtime.context = application.context
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
        "notification_listener_polling_interval_sec": 0.1,
        # DBOS narrates every launch at INFO (schema migrations, recovery); ours says enough.
        "log_level": "DEBUG" if application.settings.log_level.upper() == "DEBUG" else "WARNING",
    }
    if not run_workers:
        config["executor_id"] = "api-only"
    DBOS(config=config)
    DBOS.launch()
    _runtime.queues.append(
        DBOS.register_queue(CASE_QUEUE, worker_concurrency=None, polling_interval_sec=0.2)
    )
    _runtime.launched = True


def stop() -> None:
    """Shut DBOS down (tests, process exit)."""
    if _runtime.launched:
        DBOS.destroy(destroy_registry=False)
    _runtime.launched = False
    _runtime.context = None
    _runtime.queues.clear()
