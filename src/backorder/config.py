"""Settings from the environment (`BACKORDER_*`), with embedded defaults that need no server."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path(".backorder")


class Settings(BaseSettings):
    """Everything a deployment may change; nothing here connects to anything."""

    model_config = SettingsConfigDict(env_prefix="BACKORDER_", extra="ignore")

    home: Path = Field(DEFAULT_HOME, description="Directory for the embedded database and files.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file in `home`."
    )
    policy_file: Path | None = Field(None, description="Allocation policy YAML; default shipped.")
    application_version: str = Field(
        "1", description="Pinned DBOS application version: in-flight workflows survive deploys."
    )
    nats_url: str | None = None
    log_level: str = "INFO"
    log_json: bool = Field(False, description="Structured JSON logs instead of console lines.")
    api_page_size: int = Field(100, ge=1, le=1000)
    sql_echo: bool = False

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.home / 'backorder.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded database."""
        return self.effective_database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for `postgresql://` URLs (the driver we depend on)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
