"""The manager's one settings object (environment prefix ``SLUICE_``), built in the entry point.

Defaults follow protocol Appendix A. Nothing else in the manager reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sluice_manager.networks import DEFAULT_CONNECTOR_NETWORKS
from sluice_runtime.event_loop import EventLoopName

KiB = 1024
MiB = 1024 * KiB


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
    # The Retry-After of the 503 answered while the database is unreachable (§1.3).
    database_retry_after_seconds: int = Field(default=5, ge=0)

    # The HTTP server (§1.3). aiohttp closes a connection that has not delivered a whole request
    # head this long after it opened or after its last response (the timer is not extended by
    # bytes received), so this bounds idle keep-alive and a head's arrival alike. Above the Sluice
    # SDK's 60 s client keep-alive, so the client is the side that closes an idle connection.
    http_keepalive_timeout_seconds: float = Field(default=75, gt=0)
    # A longer URL (path and query) is answered 414 with the error envelope. aiohttp's parser
    # refuses, in plain text, a request line or header beyond the two larger limits below.
    max_url_bytes: int = Field(default=8 * KiB, ge=256)
    http_max_line_bytes: int = Field(default=64 * KiB, ge=1 * KiB)
    http_max_field_bytes: int = Field(default=8190, ge=1 * KiB)

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
    # Stored JSON values (§1.3; sluice_manager.http.json_limits). 64 levels is far beyond any real
    # config, state or schema, and leaves room under orjson's 254-level writer limit for the
    # envelopes responses wrap a value in; 4 MiB is the largest checkpoint a connector may save.
    max_json_depth: int = Field(default=64, ge=1, le=200)
    max_json_value_bytes: int = Field(default=4 * MiB, ge=1)
    extraction_concurrency: int = 2
    extraction_retry_after_seconds: int = 30
    docling_url: str | None = None

    # Declarative sources (docs/descriptor.md). The URL people and OAuth providers reach this
    # manager at (default http://host:port): consent returns to <public_url>/api/oauth/callback.
    public_url: str | None = None
    oauth_state_ttl_seconds: float = Field(default=600, gt=0)
    # A source's test endpoint and OAuth code exchange, which call the described API.
    upstream_check_timeout_seconds: float = Field(default=30, gt=0)

    # The MCP server at /mcp (docs/mcp.md). Host and Origin headers it accepts (DNS-rebinding
    # protection; "host:*" takes any port): empty derives them from host, port and public_url (plus
    # the loopback names when bound to loopback); "*" turns the check off.
    mcp_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    mcp_allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Stateless: no Mcp-Session-Id, so no notifications to handshake-era clients; JSON: answers
    # without SSE streams (2026-07-28 clients then cannot listen for changes either).
    mcp_stateless: bool = False
    mcp_json_response: bool = False
    # How often the tool list is compared with the last one announced to listening clients.
    mcp_tools_check_seconds: float = Field(default=10, gt=0)
    # A session without a request in flight (or an open stream) for this long is closed.
    mcp_session_idle_seconds: float = Field(default=1800, gt=0)

    # Registry, leadership, scheduling (protocol §8, §9).
    # Networks a connector URL may be in (§4.1): registration refuses other addresses and the
    # manager never connects to one. Comma-separated CIDRs; "0.0.0.0/0,::/0" allows any.
    connector_networks: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = DEFAULT_CONNECTOR_NETWORKS
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

    @field_validator(
        "admin_token", "connector_token", "mcp_allowed_hosts", "mcp_allowed_origins", mode="before"
    )
    @classmethod
    def _tokens(cls, value: object) -> object:
        return _split_tokens(value)

    @model_validator(mode="after")
    def _url_within_request_line(self) -> ManagerSettings:
        # The middleware can answer a long URL only if aiohttp's parser let its line through.
        if self.http_max_line_bytes <= self.max_url_bytes + 64:
            raise ValueError("http_max_line_bytes must exceed max_url_bytes (by more than 64)")
        return self

    @field_validator("connector_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        return _split_tokens(value)
