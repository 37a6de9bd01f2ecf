"""``/api/mcp-tokens``: mint, list and revoke MCP tokens, which open ``/mcp`` and nothing else
(docs/mcp.md). A token is shown once, in the answer that mints it; revoking is idempotent."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from sluice_manager.admin.common import path_id, read_body
from sluice_manager.http.errors import json_response
from sluice_manager.mcp_tokens import repository
from sluice_manager.mcp_tokens.repository import McpToken
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES
from sluice_sdk.models import Timestamp


class McpTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200, description="Who or what the token is for")


class McpTokenView(BaseModel):
    id: str
    kind: Literal["mcp"] = "mcp"
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None = None
    revoked_at: Timestamp | None = None

    @classmethod
    def of(cls, token: McpToken) -> McpTokenView:
        return cls(
            id=token.id,
            name=token.name,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class McpTokenMinted(McpTokenView):
    """The one answer that carries the token: store it now, it is not shown again."""

    token: str


_CREATE = TypeAdapter(McpTokenCreate)


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=model.model_dump_json(), content_type="application/json"
    )


async def create_token(request: web.Request) -> web.Response:
    body = await read_body(request, _CREATE, allow_empty=True)
    services = request.app[SERVICES]
    minted, token = await repository.mint(services.pool, services.clock.now(), name=body.name)
    return _json(McpTokenMinted(**McpTokenView.of(minted).model_dump(), token=token), status=201)


async def list_tokens(request: web.Request) -> web.Response:
    tokens = await repository.list_tokens(request.app[SERVICES].pool)
    return json_response([McpTokenView.of(t).model_dump(mode="json") for t in tokens])


async def revoke_token(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    token_id = path_id(request, what="token")
    revoked = await repository.revoke(services.pool, token_id, services.clock.now())
    return _json(McpTokenView.of(revoked))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/mcp-tokens", create_token)
    app.router.add_get("/api/mcp-tokens", list_tokens)
    app.router.add_delete("/api/mcp-tokens/{id}", revoke_token)
    describe(
        "POST",
        "/api/mcp-tokens",
        request=McpTokenCreate,
        response=McpTokenMinted,
        status=201,
        body_required=False,
    )
    describe("GET", "/api/mcp-tokens", response=list[McpTokenView])
    describe("DELETE", "/api/mcp-tokens/{id}", response=McpTokenView)
