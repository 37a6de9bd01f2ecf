"""``/api/connector-tokens``: mint, list and revoke scoped connector tokens (protocol §2).

A token is shown once, in the answer that mints it; listings never carry it (only its digest is
stored). Revoking is idempotent and keeps the row, so a listing shows when a token stopped working.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from sluice_manager.admin.common import query_text, read_body
from sluice_manager.admin.token_routes import TokenView, add_token_routes, model_response
from sluice_manager.connector_tokens import repository
from sluice_manager.http.errors import json_response
from sluice_manager.registry.manifest_checks import MAX_CONNECTOR_ID_CHARS
from sluice_manager.services import SERVICES
from sluice_sdk.models import SOURCE_TYPE_PATTERN, Timestamp

SourceType = Annotated[str, Field(pattern=SOURCE_TYPE_PATTERN)]


class ConnectorTokenCreate(BaseModel):
    """Without ``source_types``, the types of the connector's registered manifest."""

    model_config = ConfigDict(extra="forbid")

    connector_id: str = Field(min_length=1, max_length=MAX_CONNECTOR_ID_CHARS)
    source_types: list[SourceType] | None = Field(default=None, min_length=1, max_length=100)
    name: str = Field(default="", max_length=200)


class ConnectorTokenView(TokenView):
    id: str
    kind: Literal["connector"] = "connector"
    name: str
    connector_id: str
    source_types: list[str]
    created_at: Timestamp
    last_used_at: Timestamp | None = None
    revoked_at: Timestamp | None = None


class ConnectorTokenMinted(ConnectorTokenView):
    """The one answer that carries the token: store it now, it is not shown again."""

    token: str


_CREATE = TypeAdapter(ConnectorTokenCreate)


async def create_token(request: web.Request) -> web.Response:
    body = await read_body(request, _CREATE)
    services = request.app[SERVICES]
    minted, token = await repository.mint(
        services.pool, body.connector_id, body.source_types, services.clock.now(), name=body.name
    )
    view = ConnectorTokenView.of(minted)
    return model_response(ConnectorTokenMinted(**view.model_dump(), token=token), status=201)


async def list_tokens(request: web.Request) -> web.Response:
    tokens = await repository.list_tokens(
        request.app[SERVICES].pool, query_text(request, "connector_id")
    )
    return json_response([ConnectorTokenView.of(t).model_dump(mode="json") for t in tokens])


def setup(app: web.Application) -> None:
    add_token_routes(
        app,
        "/api/connector-tokens",
        create=create_token,
        list_tokens=list_tokens,
        revoke=repository.revoke,
        view=ConnectorTokenView.of,
        docs=(ConnectorTokenCreate, ConnectorTokenMinted, ConnectorTokenView),
        list_query=("connector_id",),
    )
