"""Errors of the admin writes to sources; the HTTP layer maps them to 404 and 400."""

from __future__ import annotations

from typing import Literal

from sluice_manager.errors import ManagerError


class SourceNotFound(ManagerError):
    """No live source has this id (never created, or soft-deleted)."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.message = f"source {source_id} not found"
        super().__init__(self.message)


class InvalidSource(ManagerError):
    """A source's config or credential secret fails the schema of its connector's manifest.

    ``problem`` names the failing path and rule; for credentials never the secret value.
    """

    def __init__(self, part: Literal["config", "credentials"], problem: str) -> None:
        self.part = part
        self.problem = problem
        if part == "config":
            self.message = f"config does not match the connector's config_schema: {problem}"
        else:
            self.message = f"credentials do not match the connector's credentials_schema: {problem}"
        super().__init__(self.message)
