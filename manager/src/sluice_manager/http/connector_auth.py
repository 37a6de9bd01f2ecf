"""Who may call ``/sdk/...`` (protocol §2): a shared connector token, or a scoped one.

A shared token (``connector_token``; or no header under ``sdk_auth = open``) trusts the caller
with every connector's sources, as Omni SDK connectors need. A token of the scoped form is looked
up by digest; a live one puts its ``ConnectorScope`` on the request (``CONNECTOR_SCOPE``), which
the handlers check through ``sluice_manager.sdk_api.scope``. The shared check is synchronous and
costs nothing extra; only a scoped token costs a lookup (``sluice_manager.http.token_auth``).
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.connector_tokens.repository import authenticate
from sluice_manager.connector_tokens.scope import ConnectorScope
from sluice_manager.connector_tokens.secret import looks_scoped
from sluice_manager.http.auth import BearerTokens
from sluice_manager.http.token_auth import LookedUpTokenAuth
from sluice_manager.settings import ManagerSettings

CONNECTOR_SCOPE = web.RequestKey("connector_scope", ConnectorScope)


class ConnectorAuth(LookedUpTokenAuth[ConnectorScope]):
    """The connector-token check of one app."""

    def __init__(self, settings: ManagerSettings) -> None:
        super().__init__(
            BearerTokens(
                "connector", settings.connector_token, open_mode=settings.sdk_auth == "open"
            ),
            looks_like=looks_scoped,
            lookup=authenticate,
            key=CONNECTOR_SCOPE,
            refusal="missing or invalid connector token",
        )
