"""The manager's exception root."""

from __future__ import annotations

from typing import Any


class ManagerError(Exception):
    """Root of every error the manager raises on purpose.

    Domain errors carry their data on attributes, and those a client may see carry ``message``:
    the text the HTTP layer answers with when it maps the error to a status (one table,
    ``sluice_manager.http.statuses``). Domain code never chooses a status itself. ``details``, when
    set, holds further JSON members of the error envelope (validation problems, an upstream status).
    """

    message: str
    details: dict[str, Any] | None = None
