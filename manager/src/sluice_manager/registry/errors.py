"""Errors of admin operations on the registry; the HTTP layer maps them to 404 and 409."""

from __future__ import annotations

from sluice_manager.errors import ManagerError


class ConnectorNotFound(ManagerError):
    """No connector is registered under this id (404)."""

    def __init__(self, connector_id: str) -> None:
        self.connector_id = connector_id
        self.message = f"connector {connector_id} not found"
        super().__init__(self.message)


class ConnectorOnline(ManagerError):
    """An online connector cannot be deleted: its next heartbeat would bring it back (409)."""

    def __init__(self, connector_id: str) -> None:
        self.connector_id = connector_id
        self.message = (
            f"connector {connector_id} is online: stop it first; it can be deleted once it has "
            "been silent for the registry TTL"
        )
        super().__init__(self.message)
