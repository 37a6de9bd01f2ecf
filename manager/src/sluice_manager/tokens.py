"""Admin and connector tokens for the embedded default.

With an external database the operator must configure ``SLUICE_ADMIN_TOKEN`` (and
``SLUICE_CONNECTOR_TOKEN`` unless ``SLUICE_SDK_AUTH=open``). Under the embedded default, a token
that is not configured is generated once into the data directory (mode 0600) and reused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sluice_manager.errors import ManagerError
from sluice_manager.settings import ManagerSettings

ADMIN_TOKEN_FILE = "admin_token"
CONNECTOR_TOKEN_FILE = "connector_token"


class MissingTokenError(ManagerError):
    def __init__(self, setting: str) -> None:
        super().__init__(
            f"SLUICE_{setting.upper()} is required when SLUICE_DATABASE_URL is set "
            "(tokens are generated automatically only under the embedded default)"
        )
        self.setting = setting


def read_or_create_token(path: Path) -> str:
    """The token stored at ``path``, created (URL-safe, 256 bits) if the file does not exist."""
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def with_tokens(settings: ManagerSettings) -> ManagerSettings:
    """Settings with both tokens present: configured ones, else files in the data directory."""
    updates: dict[str, tuple[str, ...]] = {}
    embedded = not settings.database_url
    if not settings.admin_token:
        if not embedded:
            raise MissingTokenError("admin_token")
        updates["admin_token"] = (read_or_create_token(settings.data_dir / ADMIN_TOKEN_FILE),)
    if not settings.connector_token and settings.sdk_auth == "token":
        if not embedded:
            raise MissingTokenError("connector_token")
        updates["connector_token"] = (
            read_or_create_token(settings.data_dir / CONNECTOR_TOKEN_FILE),
        )
    return settings.model_copy(update=updates) if updates else settings
