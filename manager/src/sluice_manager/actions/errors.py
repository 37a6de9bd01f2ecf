"""Why an action was not run; ``sluice_manager.http.statuses`` maps each to its status."""

from __future__ import annotations

from typing import Any

from sluice_manager.errors import ManagerError


class ActionRefused(ManagerError):
    """The action does not apply: unknown, not for this source type, a write on a read-only
    source, or parameters that do not fit the operation (``problems``) (400)."""

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None) -> None:
        self.message = message
        self.problems = problems
        self.details = {"problems": problems} if problems is not None else None
        super().__init__(message)


class ConnectorOffline(ManagerError):
    """No online connector serves the source's type (404)."""

    def __init__(self, source_type: str) -> None:
        self.source_type = source_type
        self.message = f"no online connector for source type {source_type}"
        super().__init__(self.message)


class NoCredential(ManagerError):
    """The source has no credential to hand the connector (404)."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.message = f"source {source_id} has no credential"
        super().__init__(self.message)


class UnusableManifest(ManagerError):
    """The stored manifest of the serving connector no longer validates (502): registration
    validated it, so only rows written by an older release get here."""

    def __init__(self, connector_id: str) -> None:
        self.connector_id = connector_id
        self.message = f"connector {connector_id} has an unusable manifest"
        super().__init__(self.message)
