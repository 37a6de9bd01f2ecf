"""A connector process's one settings object, read from the environment in ``Connector.serve``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sluice_sdk._process import EventLoopName

_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


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
    # SHA-256 digests (hex, comma-separated) of further tokens accepted from the manager: a
    # connector holding a scoped token (``slc_...``) is not given the shared token the manager
    # sends, but can check it by its digest (protocol §2 item 3).
    manager_token_sha256: Annotated[tuple[str, ...], NoDecode] = ()
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

    @field_validator("manager_token_sha256", mode="before")
    @classmethod
    def _digests(cls, value: object) -> object:
        digests = _split_tokens(value)
        if isinstance(digests, tuple):
            for digest in digests:
                if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
                    raise ValueError("manager_token_sha256 takes SHA-256 digests in hex")
            return tuple(d.lower() for d in digests)
        return digests

    def advertised_url(self, port: int | None = None) -> str:
        if self.connector_url:
            return self.connector_url.rstrip("/")
        return f"http://{self.connector_host}:{port or self.port}"

    @property
    def outgoing_token(self) -> str | None:
        return self.connector_token[0] if self.connector_token else None
