"""asyncpg pool factory with JSON codecs registered once per connection."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


async def init_connection(conn: asyncpg.Connection) -> None:
    """json and jsonb travel as Python values; orjson does the text work."""
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=_dumps, decoder=orjson.loads, schema="pg_catalog"
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (unlock all, close cursors, unlisten, reset all).

    Sluice keeps no session state on pooled connections: LISTEN and session advisory locks live on
    dedicated connections (``connect``), and transactions are always closed by asyncpg itself before
    this runs. Skipping the query saves a round trip on every pool use, the hot path of heartbeats.
    """


async def create_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    application_name: str = "sluice",
    command_timeout: float | None = 60,
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_keep_session,
        command_timeout=command_timeout,
        server_settings={"application_name": application_name},
    )
    assert pool is not None
    return pool


async def connect(url: str, *, application_name: str = "sluice") -> asyncpg.Connection:
    """A single connection with the same codecs (LISTEN and leadership use one)."""
    conn = await asyncpg.connect(url, server_settings={"application_name": application_name})
    await init_connection(conn)
    return conn
