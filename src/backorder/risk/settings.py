"""Risk settings from the environment (`BACKORDER_RISK_*`); defaults need nothing set up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RiskSettings(BaseSettings):
    """Where the model store is, how often item x DCs are scored, which policy applies."""

    model_config = SettingsConfigDict(env_prefix="BACKORDER_RISK_", extra="ignore")

    model_dir: Path | None = Field(
        None, description="Model store directory; default: `risk-models` under BACKORDER_HOME."
    )
    policy_file: Path | None = Field(None, description="Risk policy YAML; default shipped.")
    score_interval_seconds: float = Field(
        3600.0, gt=0, description="How often every item x DC is scored (background loop)."
    )
    delay_cache_seconds: float = Field(
        300.0, ge=0, description="How long a supplier-delay estimate is reused by ATP answers."
    )

    def store_directory(self, home: Path) -> Path:
        """The model store directory for an application whose home is `home`."""
        return self.model_dir if self.model_dir is not None else home / "risk-models"
