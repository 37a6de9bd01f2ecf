"""The manager's one settings object (environment prefix ``SLUICE_``), built in the entry point.

Defaults follow protocol Appendix A. Nothing else in the manager reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sluice_runtime.event_loop import EventLoopName

MiB = 1024 * 1024


def _split_tokens(value: object) -> object:
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    return value


class ManagerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLUICE_", extra="ignore")

    # Process and storage.
    host: str = "127.0.0.1"
    port: int = 8090
    database_url: str | None = None
    data_dir: Path = Path(".sluice")
    log_level: str = "info"
    log_json: bool | None = None
    event_loop: EventLoopName = "uvloop"
    db_pool_min_size: int = 4
    db_pool_max_size: int = 10

    # Authentication (protocol §2). Each takes one token or a comma-separated list.
    admin_token: Annotated[tuple[str, ...], NoDecode] = ()
    connector_token: Annotated[tuple[str, ...], NoDecode] = ()
    sdk_auth: Literal["token", "open"] = "token"
    # AES-GCM key for credentials at rest (base64, 32 bytes). Generated into data_dir when unset.
    secret_key: str | None = None

    # Body limits (protocol §1.3).
    max_bulk_body_bytes: int = 32 * MiB
    max_state_bytes: int = 4 * MiB
    max_json_body_bytes: int = 4 * MiB
    max_extract_input_bytes: int = 50 * MiB
    max_stored_text_bytes: int = 5 * MiB
    extraction_concurrency: int = 2
    extraction_retry_after_seconds: int = 30
    docling_url: str | None = None

    # Declarative sources (docs/descriptor.md). The URL people and OAuth providers reach this
    # manager at (default http://host:port): consent returns to <public_url>/api/oauth/callback.
    public_url: str | None = None
    oauth_state_ttl_seconds: float = Field(default=600, gt=0)
    # A source's test endpoint and OAuth code exchange, which call the described API.
    upstream_check_timeout_seconds: float = Field(default=30, gt=0)

    # Registry, leadership, scheduling (protocol §8, §9).
    registry_ttl_seconds: float = 90
    # Unchanged re-registrations are buffered and written together this often; 0 writes each.
    registry_flush_interval_seconds: float = Field(default=1.0, ge=0)
    leader_retry_seconds: float = 10
    scheduler_interval_seconds: float = 30
    stale_timeout_minutes: float = 60
    max_resume_attempts: int = 3
    max_concurrent_syncs: int = 10
    max_concurrent_syncs_per_slot: int = 3
    max_dispatches_per_tick: int = 10
    backoff_base_seconds: float = 30
    backoff_max_seconds: float = 3600
    circuit_breaker_threshold: int = Field(default=10, ge=1)
    cleanup_batch_size: int = 1000

    # Fixed by the protocol, settings only so tests can shorten them.
    dispatch_attempt_timeout_seconds: float = 30
    dispatch_deadline_seconds: float = 150
    dispatch_retry_base_seconds: float = 1
    dispatch_retry_jitter_seconds: float = 1
    status_poll_timeout_seconds: float = 5
    health_check_timeout_seconds: float = 10
    cancel_timeout_seconds: float = 10
    monitor_concurrency: int = 50
    scheduler_phase_timeout_seconds: float = 300

    def base_url(self) -> str:
        """Where this manager is reached from outside: ``public_url``, else ``http://host:port``."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @field_validator("admin_token", "connector_token", mode="before")
    @classmethod
    def _tokens(cls, value: object) -> object:
        return _split_tokens(value)
