"""The one place where dependencies are wired; nothing connects at import time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from backorder.adapters.db import make_engine, upgrade_schema
from backorder.config import Settings
from backorder.domain.allocation.policy import Policy
from backorder.domain.operations import OperationsPolicy
from backorder.policies import (
    default_operations_policy,
    default_policy,
    load_operations_policy,
    load_policy,
)
from backorder.service_layer.clock import Clock, SystemClock
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.unit_of_work import SqlUnitOfWork


@dataclass
class Application:
    """A wired application: settings, engine and the handlers' context."""

    settings: Settings
    engine: Engine
    context: ServiceContext

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    policy: Policy | None = None,
    operations: OperationsPolicy | None = None,
    migrate: bool = True,
) -> Application:
    """Create the engine, bring the schema up to date and wire the service context."""
    settings = settings or Settings()
    if policy is None:
        policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
    if operations is None:
        operations = (
            load_operations_policy(settings.operations_policy_file)
            if settings.operations_policy_file
            else default_operations_policy()
        )
    # Policies first: a malformed file is refused before any connection is opened.
    engine = make_engine(settings.effective_database_url, echo=settings.sql_echo)
    if migrate:
        upgrade_schema(engine)
    clock = clock or SystemClock()
    fiscal = operations.finance.calendar()
    context = ServiceContext(
        unit_of_work=lambda: SqlUnitOfWork(engine, clock, fiscal_calendar=fiscal),
        reader=lambda: SqlUnitOfWork(engine, clock, read_only=True, fiscal_calendar=fiscal),
        policy=policy,
        clock=clock,
        operations=operations,
    )
    return Application(settings=settings, engine=engine, context=context)
