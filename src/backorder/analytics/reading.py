"""A read-only database connection for analytics, with the business date and time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from backorder.analytics.sql import tune
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class Reading:
    """A read-only transaction's connection and the service clock's date and time."""

    connection: Connection
    today: date
    now: datetime


@contextmanager
def reading(ctx: ServiceContext) -> Iterator[Reading]:
    """Open a read-only unit of work; analytics run SQL on its connection."""
    with ctx.reader() as uow:
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError("analytics need a database unit of work")
        tune(uow.connection)
        yield Reading(uow.connection, uow.today, uow.clock.now())
