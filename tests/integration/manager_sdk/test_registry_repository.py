"""sluice_manager.registry.repository against real Postgres (protocol §8.1)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from structlog.testing import capture_logs

from sluice_manager.registry.repository import (
    Registration,
    get_connector,
    heartbeat,
    latest_manifest_for_type,
    list_connectors,
    resolve_connector,
    touch,
    upsert,
)
from tests.integration.manager_sdk.factories import T0

TTL = 90.0


async def _register(
    pool: asyncpg.Pool, connector_id: str, types: list[str], at_seconds: float
) -> None:
    registration = Registration(
        connector_id=connector_id,
        connector_url=f"http://{connector_id}.local:9000",
        manifest={"name": connector_id, "source_types": types},
        source_types=types,
        sync_modes=["full"],
        manifest_sha256=f"digest-{connector_id}",
    )
    await upsert(pool, registration, T0 + timedelta(seconds=at_seconds))


async def test_resolution_picks_smallest_online_id_in_byte_order(db_pool: asyncpg.Pool) -> None:
    # Byte order puts "B" (0x42) before "a" (0x61); a linguistic collation would not.
    await _register(db_pool, "a-conn", ["github"], 0)
    await _register(db_pool, "B-conn", ["github", "jira"], 0)
    await _register(db_pool, "0-offline", ["github"], -200)
    now = T0 + timedelta(seconds=10)
    chosen = await resolve_connector(db_pool, "github", now, TTL)
    assert chosen is not None
    assert chosen.connector_id == "B-conn"
    assert chosen.is_online(now, TTL)
    assert chosen.manifest == {"name": "B-conn", "source_types": ["github", "jira"]}
    assert chosen.source_types == ("github", "jira")
    assert await resolve_connector(db_pool, "unknown", now, TTL) is None


async def test_connector_goes_offline_after_ttl(db_pool: asyncpg.Pool) -> None:
    await _register(db_pool, "c1", ["github"], 0)
    assert await resolve_connector(db_pool, "github", T0 + timedelta(seconds=89), TTL) is not None
    assert await resolve_connector(db_pool, "github", T0 + timedelta(seconds=90), TTL) is None
    record = await get_connector(db_pool, "c1")
    assert record is not None
    assert not record.is_online(T0 + timedelta(seconds=90), TTL)
    # Offline rows still serve config validation.
    latest = await latest_manifest_for_type(db_pool, "github")
    assert latest is not None
    assert latest.connector_id == "c1"


async def test_heartbeat_matches_only_known_online_same_url(db_pool: asyncpg.Pool) -> None:
    await _register(db_pool, "c1", ["github"], 0)

    def reg(connector_id: str, url: str) -> Registration:
        return Registration(
            connector_id=connector_id,
            connector_url=url,
            manifest={"name": connector_id},
            source_types=["github"],
            sync_modes=["full"],
            manifest_sha256="d2",
        )

    same = reg("c1", "http://c1.local:9000")
    assert await heartbeat(db_pool, same, T0 + timedelta(seconds=30), TTL)
    moved = reg("c1", "http://elsewhere:9000")
    assert not await heartbeat(db_pool, moved, T0 + timedelta(seconds=40), TTL)
    assert not await heartbeat(db_pool, same, T0 + timedelta(seconds=200), TTL)
    assert not await heartbeat(db_pool, reg("new", "http://c1.local:9000"), T0, TTL)
    assert await touch(
        db_pool,
        connector_id="c1",
        manifest_sha256="d2",
        now=T0 + timedelta(seconds=60),
        ttl_seconds=TTL,
    )
    assert not await touch(
        db_pool,
        connector_id="c1",
        manifest_sha256="other",
        now=T0 + timedelta(seconds=60),
        ttl_seconds=TTL,
    )
    assert not await touch(
        db_pool,
        connector_id="c1",
        manifest_sha256="d2",
        now=T0 + timedelta(seconds=151),
        ttl_seconds=TTL,
    )
    records = await list_connectors(db_pool)
    assert [r.connector_id for r in records] == ["c1"]
    assert records[0].last_heartbeat_at == T0 + timedelta(seconds=60)
    assert records[0].first_seen_at == T0


async def test_latest_manifest_prefers_newest_heartbeat(db_pool: asyncpg.Pool) -> None:
    await _register(db_pool, "old", ["github"], 0)
    await _register(db_pool, "new", ["github"], 5)
    latest = await latest_manifest_for_type(db_pool, "github")
    assert latest is not None
    assert latest.connector_id == "new"
    assert await latest_manifest_for_type(db_pool, "jira") is None


async def test_conflict_is_logged_once(db_pool: asyncpg.Pool) -> None:
    await _register(db_pool, "zeta", ["shared_type"], 0)
    await _register(db_pool, "alpha", ["shared_type"], 0)
    now = T0 + timedelta(seconds=1)
    with capture_logs() as logs:
        for _ in range(3):
            chosen = await resolve_connector(db_pool, "shared_type", now, TTL)
            assert chosen is not None
            assert chosen.connector_id == "alpha"
    conflicts = [entry for entry in logs if entry["event"] == "connector_conflict"]
    assert len(conflicts) == 1
    assert conflicts[0]["connector_ids"] == ["alpha", "zeta"]
