"""Admin-area test factories: an app with known tokens and key; connectors and runs by SQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from sluice_manager.app import create_app
from sluice_manager.ids import new_id
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import FrozenClock

ADMIN = {"Authorization": "Bearer adm-token"}
# Creates a source whose type no registered connector declares (else 422, issue 19 item 9).
SOURCES_ANY_TYPE = "/api/sources?allow_unknown_type=true"
SDK = {"Authorization": "Bearer con-token"}
KEY = bytes(range(32))
START = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def settings(**overrides: Any) -> ManagerSettings:
    values: dict[str, Any] = {
        "admin_token": "adm-token",
        "connector_token": "con-token",
        "secret_key": base64.b64encode(KEY).decode(),
        "cancel_timeout_seconds": 2,
        "dispatch_retry_base_seconds": 0.01,
        "dispatch_retry_jitter_seconds": 0.01,
    }
    values.update(overrides)
    return ManagerSettings(**values)


def make_app(
    pool: asyncpg.Pool, clock: FrozenClock | None = None, **overrides: Any
) -> web.Application:
    return create_app(
        settings(**overrides), pool, clock=clock or FrozenClock(START), run_leader_work=False
    )


async def register_connector(
    pool: asyncpg.Pool,
    *,
    connector_id: str = "conn-1",
    url: str = "http://127.0.0.1:9",
    source_types: tuple[str, ...] = ("widgets",),
    sync_modes: tuple[str, ...] = ("full", "incremental"),
    heartbeat_at: datetime = START,
    **manifest_extra: Any,
) -> dict[str, Any]:
    """A registry row as ``POST /sdk/register`` would leave it (§4.1 step 7)."""
    manifest = {
        "name": connector_id,
        "display_name": connector_id,
        "version": "1.0.0",
        "sync_modes": list(sync_modes),
        "connector_id": connector_id,
        "connector_url": url,
        "source_types": list(source_types),
        **manifest_extra,
    }
    await pool.execute(
        """
        INSERT INTO connectors (connector_id, connector_url, manifest, source_types, sync_modes,
                                first_seen_at, last_heartbeat_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6)
        ON CONFLICT (connector_id) DO UPDATE SET connector_url = excluded.connector_url,
            manifest = excluded.manifest, source_types = excluded.source_types,
            sync_modes = excluded.sync_modes, last_heartbeat_at = excluded.last_heartbeat_at
        """,
        connector_id,
        url,
        manifest,
        list(source_types),
        list(sync_modes),
        heartbeat_at,
    )
    return manifest


async def insert_run(
    pool: asyncpg.Pool,
    source_id: str,
    *,
    status: str = "running",
    sync_type: str = "full",
    created_at: datetime = START,
    documents_scanned: int = 0,
) -> str:
    run_id = new_id()
    await pool.execute(
        """
        INSERT INTO sync_runs (id, source_id, sync_type, trigger_type, status, created_at,
                               last_activity_at, completed_at, documents_scanned)
        VALUES ($1, $2, $3, 'manual', $4, $5, $5,
                CASE WHEN $4 = 'running' THEN NULL ELSE $5::timestamptz END, $6)
        """,
        run_id,
        source_id,
        sync_type,
        status,
        created_at,
        documents_scanned,
    )
    return run_id


async def insert_queue_row(
    pool: asyncpg.Pool,
    source_id: str,
    *,
    status: str = "pending",
    attempts: int = 0,
    key: str = "doc-1",
    last_error: str | None = None,
) -> int:
    payload = orjson.loads(orjson.dumps({"type": "document_deleted", "document_id": key}))
    seq: int = await pool.fetchval(
        """
        INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key,
                                 payload, status, attempts, last_error, claimed_at, claim_token)
        VALUES ($1, 'run-x', 'document_deleted', 'document', $2, $3, $4, $5, $6,
                CASE WHEN $4 = 'processing' THEN now() END,
                CASE WHEN $4 = 'processing' THEN gen_random_uuid() END)
        RETURNING seq
        """,
        source_id,
        key,
        payload,
        status,
        attempts,
        last_error,
    )
    return seq


def source_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Widgets", "source_type": "widgets", "config": {}}
    body.update(overrides)
    return body


class FakeConnector:
    """A tiny real connector server that records what the manager sends it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, str | None]] = []
        self.action_reply: tuple[int, bytes, str] = (
            200,
            b'{"status":"success","result":{"n":1}}',
            "application/json",
        )
        self.app = web.Application()
        self.app.router.add_get("/health", self._health)
        self.app.router.add_post("/sync", self._sync)
        self.app.router.add_post("/cancel", self._cancel)
        self.app.router.add_post("/action", self._action)

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.calls]

    async def _record(self, request: web.Request) -> Any:
        body = orjson.loads(await request.read())
        self.calls.append((request.path, body, request.headers.get("Authorization")))
        return body

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "healthy", "service": "fake"})

    async def _sync(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"status": "started", "message": None})

    async def _cancel(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"status": "not_found"}, status=404)

    async def _action(self, request: web.Request) -> web.Response:
        await self._record(request)
        status, body, content_type = self.action_reply
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})
