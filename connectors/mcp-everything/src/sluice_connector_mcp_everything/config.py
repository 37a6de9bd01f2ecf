"""A source's config and credentials, and the connector process's settings."""

from __future__ import annotations

import shlex
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class EverythingConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    transport: Literal["stdio", "http"] = Field(
        default="stdio", description="stdio: a child process per call; http: a running server"
    )
    url: str | None = Field(
        default=None, description="the server's streamable-HTTP endpoint, for transport http"
    )

    @model_validator(mode="after")
    def _url_for_http(self) -> Self:
        if self.transport == "http" and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError("transport http needs an http(s) url")
        return self


class EverythingCredentials(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str | None = Field(default=None, description="passed to the server, never logged")


class EverythingSettings(BaseSettings):
    """Read once in ``__main__``: where the stdio server program is on this machine."""

    model_config = SettingsConfigDict(env_prefix="MCP_EVERYTHING_", extra="ignore")

    command: str = "mcp-server-everything"

    def command_line(self) -> list[str]:
        return shlex.split(self.command)
