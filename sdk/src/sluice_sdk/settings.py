"""A connector process's one settings object, read from the environment in ``Connector.serve``."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sluice_sdk._process import EventLoopName


def _split_tokens(value: object) -> object:
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    return value


class ConnectorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLUICE_", extra="ignore", populate_by_name=True)

    manager_url: str = Field(
        default="http://127.0.0.1:8090",
        validation_alias=AliasChoices("SLUICE_MANAGER_URL", "CONNECTOR_MANAGER_URL", "manager_url"),
    )
    # One token, or a comma-separated list while tokens are rotated (protocol §2): the first is
    # sent to the manager, any of them is accepted from it.
    connector_token: Annotated[tuple[str, ...], NoDecode] = Field(default=(), repr=False)
    connector_url: str | None = None
    """The URL the manager calls; default ``http://<connector_host>:<port>``."""
    connector_host: str = "127.0.0.1"
    listen_host: str = "0.0.0.0"  # the manager calls in over the network
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "SLUICE_PORT", "port"))
    connector_id: str | None = None
    """Registry key; default: the connector's name."""
    log_level: str = "info"
    log_json: bool | None = None
    event_loop: EventLoopName = "uvloop"

    _tokens = field_validator("connector_token", mode="before")(_split_tokens)

    def advertised_url(self, port: int | None = None) -> str:
        if self.connector_url:
            return self.connector_url.rstrip("/")
        return f"http://{self.connector_host}:{port or self.port}"

    @property
    def outgoing_token(self) -> str | None:
        return self.connector_token[0] if self.connector_token else None
