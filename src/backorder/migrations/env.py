"""Alembic environment: migrations run on the engine handed over by the application."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine, create_engine

from backorder.adapters.orm import SQLITE_ONLY_INDEXES, UtcDateTime, metadata
from backorder.config import Settings

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return create_engine(Settings().effective_database_url)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations stay plain SQLAlchemy: a UTC moment is a zone-aware DateTime column.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # Indexes a migration makes on SQLite only are not in the metadata on purpose.
    return not (type_ == "index" and name in SQLITE_ONLY_INDEXES)


def run_migrations_online() -> None:
    """Run migrations in a transaction on the application's engine."""
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            render_item=_render_item,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
