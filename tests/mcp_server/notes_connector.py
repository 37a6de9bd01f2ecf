"""A connector with actions for the MCP tests, built with the SDK: ``lookup`` (read) answers with
what it was given, ``add_note`` (write) with the note, ``explode`` fails as a connector does.

    SLUICE_MANAGER_URL=... python -m tests.mcp_server.notes_connector
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, Field

from sluice_sdk import ActionContext, ConfigurationError, Connector, SyncContext, action


class NotesConfig(BaseModel):
    team: str = "core"


class NotesCredentials(BaseModel):
    token: str


class LookupParams(BaseModel):
    q: str = Field(description="What to look up")
    limit: int = Field(default=5, description="How many notes at most")


class NoteParams(BaseModel):
    text: str = Field(description="The note")


class NoParams(BaseModel):
    pass


Ctx = ActionContext[NotesConfig, NotesCredentials]


class NotesConnector(Connector[NotesConfig, NotesCredentials]):
    name = "notes"
    version = "1.0.0"
    source_types = ["notes"]
    sync_modes = ["full"]
    config_model = NotesConfig
    credentials_model = NotesCredentials

    async def sync(self, ctx: SyncContext[NotesConfig, NotesCredentials]) -> None:
        return None

    @action("lookup", LookupParams, description="Look up the team's notes", mode="read")
    async def lookup(self, params: LookupParams, ctx: Ctx) -> dict[str, Any]:
        return {
            "q": params.q,
            "limit": params.limit,
            "team": ctx.config.team,
            "token_ok": ctx.credentials.token == "notes-secret",
            "actor_email": ctx.actor_email,
        }

    @action("add_note", NoteParams, description="Add a note for the team", mode="write")
    async def add_note(self, params: NoteParams, ctx: Ctx) -> dict[str, Any]:
        return {"added": params.text, "source_id": ctx.source.id}

    @action("explode", NoParams, description="Always fails", mode="read")
    async def explode(self, params: NoParams, ctx: Ctx) -> None:
        raise ConfigurationError("the notes service refused: quota exceeded")


if __name__ == "__main__":
    NotesConnector().serve(
        registration_interval=float(os.environ.get("NOTES_REGISTRATION_INTERVAL", "1")),
    )
