"""What a scoped connector token may reach (protocol §2): one connector id, its source types.

Every ``/sdk/...`` handler calls one of these with what it touches (a registration, a source, a
run, a source type, a provider) before doing anything; a request with the shared token carries no
scope and skips them. An id that names nothing is let through, so the handler answers it as it
answers the shared token (404, or the no-op ack of §4.6): there is nothing there to protect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg

from sluice_manager.connector_tokens.errors import OutOfScope
from sluice_sql.query_loader import QUERIES

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True, slots=True)
class ConnectorScope:
    """The scope of the connector token a request was authenticated with."""

    token_id: str
    connector_id: str
    source_types: frozenset[str]

    def refuse(self, what: str) -> OutOfScope:
        return OutOfScope(self.connector_id, self.source_types, what)


def check_registration(
    scope: ConnectorScope, connector_id: str, source_types: Iterable[str]
) -> None:
    """A manifest registers the token's connector id, with no type beyond the token's."""
    if connector_id != scope.connector_id:
        raise scope.refuse(f"register connector {connector_id}")
    extra = sorted(set(source_types) - scope.source_types)
    if extra:
        raise scope.refuse(f"register source types {', '.join(extra)}")


def check_source_type(scope: ConnectorScope, source_type: str) -> None:
    if source_type not in scope.source_types:
        raise scope.refuse(f"read sources of type {source_type}")


def _storable(text: str) -> bool:
    return "\x00" not in text  # Postgres text cannot hold NUL: no such row exists


async def check_source(conn: Conn, scope: ConnectorScope, source_id: str) -> None:
    if not _storable(source_id):
        return
    source_type = await conn.fetchval(QUERIES.select_source_type_of_source, source_id)
    if source_type is not None and source_type not in scope.source_types:
        raise scope.refuse(f"reach source {source_id}")


async def check_run(conn: Conn, scope: ConnectorScope, sync_run_id: str) -> None:
    if not _storable(sync_run_id):
        return
    source_type = await conn.fetchval(QUERIES.select_source_type_of_run, sync_run_id)
    if source_type is not None and source_type not in scope.source_types:
        raise scope.refuse(f"reach sync run {sync_run_id}")


async def check_provider(conn: Conn, scope: ConnectorScope, provider: str) -> None:
    """A provider's configuration is for the connectors whose sources' credentials name it."""
    serves = _storable(provider) and await conn.fetchval(
        QUERIES.provider_serves_source_types, provider, sorted(scope.source_types)
    )
    if not serves:
        raise scope.refuse(f"read the connector config of provider {provider}")
