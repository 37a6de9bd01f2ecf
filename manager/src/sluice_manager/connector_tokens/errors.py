"""Errors of scoped tokens; the HTTP layer maps them to 403, 404 and 422."""

from __future__ import annotations

from sluice_manager.errors import ManagerError


class OutOfScope(ManagerError):
    """A scoped connector token asked for what its connector does not serve (403).

    The message names the token's own scope, never anything of what it was refused."""

    def __init__(self, connector_id: str, source_types: frozenset[str], what: str) -> None:
        self.connector_id = connector_id
        self.what = what
        types = ", ".join(sorted(source_types)) or "none"
        self.message = f"the token of connector {connector_id} (types: {types}) may not {what}"
        super().__init__(self.message)


class TokenNotFound(ManagerError):
    """No token of this kind has this id (404)."""

    def __init__(self, token_id: str) -> None:
        self.token_id = token_id
        self.message = f"token {token_id} not found"
        super().__init__(self.message)


class TokenTypesUnknown(ManagerError):
    """A token minted without source types for a connector that never registered (422)."""

    def __init__(self, connector_id: str) -> None:
        self.connector_id = connector_id
        self.message = (
            f"connector {connector_id} has not registered: give source_types, the types its "
            "token may serve"
        )
        super().__init__(self.message)
