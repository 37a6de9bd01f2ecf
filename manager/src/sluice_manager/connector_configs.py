"""Per-provider connector configurations (protocol §4.7), such as an OAuth app's client id and
secret: one JSON object per provider, set by admins, encrypted at rest with the credentials' key,
and read whole only by connectors (``GET /sdk/connector-configs/{provider}``). The admin API shows
which members are stored, never their values, as it never shows a credential's secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
import structlog

from sluice_manager.errors import ManagerError
from sluice_manager.sources.crypto import SecretBox
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

PROVIDER_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
_PROVIDER = re.compile(PROVIDER_PATTERN)


class ConnectorConfigNotFound(ManagerError):
    """No configuration is stored for this provider (404)."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.message = f"no connector config for provider {provider}"
        super().__init__(self.message)


def is_provider(text: str) -> bool:
    return _PROVIDER.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class ConnectorConfigSummary:
    """What the admin API says about a stored configuration: its member names, not values."""

    provider: str
    keys: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


def _config(box: SecretBox, row: asyncpg.Record) -> dict[str, Any]:
    value = box.decrypt(bytes(row["config_encrypted"]))
    return value if isinstance(value, dict) else {}


def _summary(box: SecretBox, row: asyncpg.Record) -> ConnectorConfigSummary:
    return ConnectorConfigSummary(
        provider=row["provider"],
        keys=tuple(sorted(_config(box, row))),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def put_config(
    conn: Conn, box: SecretBox, provider: str, config: dict[str, Any], now: datetime
) -> ConnectorConfigSummary:
    row = await conn.fetchrow(QUERIES.upsert_connector_config, provider, box.encrypt(config), now)
    log.info("connector_config_stored", provider=provider)
    return _summary(box, row)


async def config_summary(conn: Conn, box: SecretBox, provider: str) -> ConnectorConfigSummary:
    row = await conn.fetchrow(QUERIES.select_connector_config, provider)
    if row is None:
        raise ConnectorConfigNotFound(provider)
    return _summary(box, row)


async def config_summaries(conn: Conn, box: SecretBox) -> list[ConnectorConfigSummary]:
    return [_summary(box, row) for row in await conn.fetch(QUERIES.select_connector_configs)]


async def delete_config(conn: Conn, provider: str) -> None:
    if await conn.fetchval(QUERIES.delete_connector_config, provider) is None:
        raise ConnectorConfigNotFound(provider)
    log.info("connector_config_deleted", provider=provider)


async def read_config(conn: Conn, box: SecretBox, provider: str) -> dict[str, Any]:
    """The stored object, decrypted (for connectors)."""
    row = (
        await conn.fetchrow(QUERIES.select_connector_config, provider)
        if is_provider(provider)
        else None
    )
    if row is None:
        raise ConnectorConfigNotFound(provider)
    return _config(box, row)
