"""The scope check every ``/sdk/...`` handler makes (protocol §2), before it does anything.

A request authenticated with a scoped connector token carries its ``ConnectorScope``; each
handler names what it touches, and an ``OutOfScope`` (403) stops it. With the shared token there
is no scope and these return at once. ``tests/integration/admin/test_scoped_tokens.py`` holds
every ``/sdk/`` route to this, so a new route cannot forget it.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from sluice_manager.connector_tokens import scope
from sluice_manager.http.connector_auth import CONNECTOR_SCOPE
from sluice_manager.services import SERVICES


async def allow_source(request: web.Request, source_id: str) -> None:
    token_scope = request.get(CONNECTOR_SCOPE)
    if token_scope is not None:
        await scope.check_source(request.app[SERVICES].pool, token_scope, source_id)


async def allow_run(request: web.Request, sync_run_id: str) -> None:
    token_scope = request.get(CONNECTOR_SCOPE)
    if token_scope is not None:
        await scope.check_run(request.app[SERVICES].pool, token_scope, sync_run_id)


async def allow_provider(request: web.Request, provider: str) -> None:
    token_scope = request.get(CONNECTOR_SCOPE)
    if token_scope is not None:
        await scope.check_provider(request.app[SERVICES].pool, token_scope, provider)


def allow_source_type(request: web.Request, source_type: str) -> None:
    token_scope = request.get(CONNECTOR_SCOPE)
    if token_scope is not None:
        scope.check_source_type(token_scope, source_type)


def allow_registration(
    request: web.Request, connector_id: str | None, source_types: Iterable[str]
) -> None:
    """``connector_id`` None: the body names none (it fails validation later)."""
    token_scope = request.get(CONNECTOR_SCOPE)
    if token_scope is not None and connector_id is not None:
        scope.check_registration(token_scope, connector_id, source_types)


def registering_as(request: web.Request) -> str | None:
    """The connector id a scoped token may register as; None with the shared token."""
    token_scope = request.get(CONNECTOR_SCOPE)
    return None if token_scope is None else token_scope.connector_id
