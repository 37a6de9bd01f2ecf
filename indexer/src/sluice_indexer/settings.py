"""The indexer's one settings object (environment prefix ``SLUICE_``), built in the entry point.

Queue defaults follow protocol Appendix A; retention follows §10.8 and §5.5.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sluice_runtime.event_loop import EventLoopName


class IndexerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLUICE_", extra="ignore")

    # Process and storage (same meaning as the manager's).
    database_url: str | None = None
    data_dir: Path = Path(".sluice")
    log_level: str = "info"
    log_json: bool | None = None
    event_loop: EventLoopName = "uvloop"
    db_pool_max_size: int = Field(default=4, ge=2)

    # Queue (protocol §10.4, §10.5).
    queue_poll_interval_seconds: float = Field(default=5, gt=0)
    claim_batch_size: int = Field(default=500, ge=1)
    queue_visibility_timeout_seconds: float = Field(default=300, gt=0)
    queue_max_attempts: int = Field(default=5, ge=1)
    # The protocol asks for a look at expired claims at least every 30 s.
    visibility_sweep_interval_seconds: float = Field(default=30, gt=0, le=30)
    listener_reconnect_seconds: float = Field(default=1, gt=0)
    shutdown_timeout_seconds: float = Field(default=30, gt=0)

    # Retention (protocol §10.8, §5.5). 0 deletes completed rows in the completing transaction.
    completed_retention_seconds: float = Field(default=0, ge=0)
    dead_letter_retention_days: float = Field(default=30, ge=30)
    tombstone_retention_days: float = Field(default=30, ge=30)
    # 0 disables blob cleanup in the indexer.
    blob_retention_days: float = Field(default=7, ge=0)
    retention_interval_seconds: float = Field(default=60, gt=0)
    retention_batch_size: int = Field(default=5000, ge=1)

    @model_validator(mode="after")
    def _tombstones_outlive_dead_letters(self) -> IndexerSettings:
        # A requeued dead letter must still meet the tombstone that guards its document (§10.8).
        if self.tombstone_retention_days < self.dead_letter_retention_days:
            raise ValueError("tombstone_retention_days must be >= dead_letter_retention_days")
        return self
