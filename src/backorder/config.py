"""Settings from the environment (`BACKORDER_*`), with embedded defaults that need no server."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    operations_policy_file: Path | None = Field(
        None, description="Operations policy YAML (timeouts, teams, SLAs); default shipped."
    )
    dbos_system_database_url: str | None = Field(
        None, description="DBOS system database; default: beside the application database."
    )
    workflows: bool = Field(True, description="Run backorder cases as durable workflows.")
    application_version: str = Field(
        "1", description="Pinned DBOS application version: in-flight workflows survive deploys."
    )
    workflow_poll_seconds: float = Field(
        0.1,
        gt=0,
        le=5,
        description="How often workflows look for new messages and new cases (SQLite polls).",
    )
    nats_url: str | None = None
    log_level: str = "INFO"
    log_json: bool = Field(False, description="Structured JSON logs instead of console lines.")
    sql_echo: bool = False
    # -- inbound integration (NATS consumer) -----------------------------------------------
    inbound_stream: str = Field("ERP_INBOUND", description="JetStream stream of inbound events.")
    inbound_subject_prefix: str = Field(
        "erp", description="The stream holds `<prefix>.>`; messages arrive on `<prefix>.inbound.*`."
    )
    inbound_consumer: str = Field("backorder-inbound", description="Durable consumer name.")
    inbound_batch_size: int = Field(500, ge=1, le=5000, description="Messages per fetch.")
    inbound_max_deliveries: int = Field(
        5, ge=1, description="Attempts before a rejected message goes to the dead-letter subject."
    )
    inbound_ack_wait_seconds: float = Field(60.0, gt=0, description="Redelivery after silence.")
    # -- EDI with suppliers ------------------------------------------------------------------
    edi_sender_qualifier: str = Field("ZZ", description="Our ISA05 on outbound X12.")
    edi_sender_id: str = Field("BACKORDERCO", description="Our ISA06 on outbound X12.")
    edi_usage_indicator: str = Field("P", description="ISA15 of outbound X12: P or T.")
    # -- API governance ------------------------------------------------------------------------
    # Generous by default: an ERP integration key posting orders one by one sends hundreds
    # a second; the limit is there to stop a runaway client, not to meter a normal one.
    api_rate_limit_per_second: float = Field(
        1000.0, gt=0, description="Sustained requests per second per API key (token refill)."
    )
    api_rate_limit_burst: int = Field(2000, ge=1, description="Requests a key may send at once.")
    api_max_body_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Larger request bodies are refused with 413."
    )

    # -- customer notifications (e-mail over SMTP) ------------------------------------------
    smtp_host: str | None = Field(
        None, description="SMTP server for customer e-mail; unset: notices are stored, not sent."
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL).")
    smtp_from: str = Field("backorder@localhost", description="From address of customer e-mail.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        "none", description="Transport security: none, STARTTLS after connecting, or SSL."
    )
    smtp_username: str | None = Field(None, description="SMTP login, if the server wants one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_timeout_seconds: float = Field(10.0, gt=0, description="Connect and reply timeout.")
    notify_interval_seconds: float = Field(1.0, gt=0, description="Notification loop pause.")
    notify_batch_size: int = Field(100, ge=1, le=1000, description="E-mails per sender pass.")
    notify_max_attempts: int = Field(6, ge=1, description="Tries before an e-mail has failed.")
    notify_retry_seconds: float = Field(
        60.0, gt=0, description="Wait before the first retry; doubles with every further one."
    )
    notify_retry_max_seconds: float = Field(3600.0, gt=0, description="Longest wait.")

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
