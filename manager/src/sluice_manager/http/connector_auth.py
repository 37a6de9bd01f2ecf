"""Who may call ``/sdk/...`` (protocol §2): a shared connector token, or a scoped one.

A shared token (``connector_token``; or no header under ``sdk_auth = open``) trusts the caller
with every connector's sources, as Omni SDK connectors need. A token of the scoped form is looked
up by digest; a live one puts its ``ConnectorScope`` on the request (``CONNECTOR_SCOPE``), which
the handlers check through ``sluice_manager.sdk_api.scope``. The shared check is synchronous and
costs nothing extra; only a scoped token costs a lookup.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from sluice_manager.connector_tokens.repository import authenticate
from sluice_manager.connector_tokens.scope import ConnectorScope
from sluice_manager.connector_tokens.secret import looks_scoped
from sluice_manager.http.auth import BearerTokens, presented_token
from sluice_manager.http.errors import HttpError
from sluice_manager.services import SERVICES
from sluice_manager.settings import ManagerSettings

CONNECTOR_SCOPE = web.RequestKey("connector_scope", ConnectorScope)


def _refusal() -> HttpError:
    return HttpError(
        401, "missing or invalid connector token", headers={"WWW-Authenticate": "Bearer"}
    )


class ConnectorAuth:
    """The connector-token check of one app."""

    def __init__(self, settings: ManagerSettings) -> None:
        self._shared = BearerTokens(
            "connector", settings.connector_token, open_mode=settings.sdk_auth == "open"
        )

    def check(self, request: web.Request) -> bool:
        """False when a shared token passes; True when a scoped token must be looked up
        (``resolve``); 401 otherwise."""
        header = request.headers.get(hdrs.AUTHORIZATION)
        if self._shared.allowed(header):
            return False
        token = presented_token(header)
        if token and looks_scoped(token):
            return True
        raise _refusal()

    async def resolve(self, request: web.Request) -> None:
        """Look the scoped token up: its scope goes on the request, or 401."""
        token = presented_token(request.headers.get(hdrs.AUTHORIZATION)) or ""
        services = request.app[SERVICES]
        scope = await authenticate(services.pool, token, services.clock.now())
        if scope is None:
            raise _refusal()
        request[CONNECTOR_SCOPE] = scope
