"""The routes of one kind of stored token (``connector_tokens_api``, ``mcp_tokens_api``): mint
(POST), list (GET) and revoke (DELETE ``{id}``) under one path, each kind with its own bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Self, TypeVar

import asyncpg
from aiohttp import web
from pydantic import BaseModel

from sluice_manager.admin.common import path_id
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES

TokenT = TypeVar("TokenT")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TokenView(BaseModel):
    """A stored token as its listing shows it; ``of`` reads the fields off the repository's
    token (never the token, never its digest)."""

    @classmethod
    def of(cls, token: object) -> Self:
        return cls.model_validate(token, from_attributes=True)


def model_response(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=model.model_dump_json(), content_type="application/json"
    )


def add_token_routes(
    app: web.Application,
    path: str,
    *,
    create: Handler,
    list_tokens: Handler,
    revoke: Callable[[asyncpg.Pool, str, datetime], Awaitable[TokenT]],
    view: Callable[[TokenT], BaseModel],
    docs: tuple[type[BaseModel], type[BaseModel], type[BaseModel]],
    list_query: tuple[str, ...] = (),
    body_required: bool = True,
) -> None:
    """Route ``path``: ``create`` and ``list_tokens`` as given; DELETE ``{id}`` revokes through
    ``revoke`` and answers the revoked token's ``view``. ``docs``: the create body, the minted
    answer and the view, for the OpenAPI document."""

    async def revoke_token(request: web.Request) -> web.Response:
        services = request.app[SERVICES]
        token_id = path_id(request, what="token")
        return model_response(view(await revoke(services.pool, token_id, services.clock.now())))

    request_model, minted_model, view_model = docs
    app.router.add_post(path, create)
    app.router.add_get(path, list_tokens)
    app.router.add_delete(f"{path}/{{id}}", revoke_token)
    describe(
        "POST",
        path,
        request=request_model,
        response=minted_model,
        status=201,
        body_required=body_required,
    )
    describe("GET", path, response=list[view_model], query=list_query)  # type: ignore[valid-type]
    describe("DELETE", f"{path}/{{id}}", response=view_model)
