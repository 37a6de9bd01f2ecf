"""The manager's one settings object (environment prefix ``SLUICE_``), built in the entry point."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ManagerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLUICE_", extra="ignore")

    # Process and storage.
    host: str = "127.0.0.1"
    port: int = 8090
    database_url: str | None = None
    data_dir: Path = Path(".sluice")
    log_level: str = "info"
    log_json: bool | None = None
    db_pool_min_size: int = 2
    db_pool_max_size: int = 10
