"""``/api/mcp-tokens``: mint, list and revoke MCP tokens, which open ``/mcp`` and nothing else
(docs/mcp.md). A token is shown once, in the answer that mints it; revoking is idempotent."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from sluice_manager.admin.common import read_body
from sluice_manager.admin.token_routes import TokenView, add_token_routes, model_response
from sluice_manager.http.errors import json_response
from sluice_manager.mcp_tokens import repository
from sluice_manager.services import SERVICES
from sluice_sdk.models import Timestamp


class McpTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200, description="Who or what the token is for")


class McpTokenView(TokenView):
    id: str
    kind: Literal["mcp"] = "mcp"
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None = None
    revoked_at: Timestamp | None = None


class McpTokenMinted(McpTokenView):
    """The one answer that carries the token: store it now, it is not shown again."""

    token: str


_CREATE = TypeAdapter(McpTokenCreate)


async def create_token(request: web.Request) -> web.Response:
    body = await read_body(request, _CREATE, allow_empty=True)
    services = request.app[SERVICES]
    minted, token = await repository.mint(services.pool, services.clock.now(), name=body.name)
    return model_response(
        McpTokenMinted(**McpTokenView.of(minted).model_dump(), token=token), status=201
    )


async def list_tokens(request: web.Request) -> web.Response:
    tokens = await repository.list_tokens(request.app[SERVICES].pool)
    return json_response([McpTokenView.of(t).model_dump(mode="json") for t in tokens])


def setup(app: web.Application) -> None:
    add_token_routes(
        app,
        "/api/mcp-tokens",
        create=create_token,
        list_tokens=list_tokens,
        revoke=repository.revoke,
        view=McpTokenView.of,
        docs=(McpTokenCreate, McpTokenMinted, McpTokenView),
        body_required=False,
    )
