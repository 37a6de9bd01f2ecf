"""A fake connector served over real HTTP on 127.0.0.1, rows for the registry and sources, and the
Services the trigger and the leader's work are handed (with an app around them for leadership)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer

from sluice_manager.ids import new_id
from sluice_manager.services import SERVICES
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import Clock
from tests.support.services import manager_services

Reply = tuple[int, bytes]
STARTED: Reply = (200, b'{"status": "started", "message": null}')


def json_reply(status: int, body: object) -> Reply:
    return status, orjson.dumps(body)


@dataclass
class FakeConnector:
    """Answers ``POST /sync``, ``GET /sync/{id}`` and ``POST /cancel`` as told; records calls."""

    sync_replies: list[Reply] = field(default_factory=list)  # consumed in order, then default
    sync_default: Reply = STARTED
    running: dict[str, bool] = field(default_factory=dict)  # run id -> running flag
    status_reply: Reply | None = None  # overrides the running flags when set
    status_hold: asyncio.Event | None = None  # when set, status polls wait for it (a busy loop)
    sync_requests: list[dict[str, Any]] = field(default_factory=list)
    sync_headers: list[dict[str, str]] = field(default_factory=list)
    status_calls: list[str] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    on_sync: Callable[[dict[str, Any]], Any] | None = None
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/sync", self._sync)
        app.router.add_get("/sync/{run_id}", self._status)
        app.router.add_post("/cancel", self._cancel)
        app.router.add_get("/health", self._health)
        return app

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "healthy", "service": "fake"})

    async def _sync(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.sync_requests.append(body)
        self.sync_headers.append(dict(request.headers))
        if self.on_sync is not None:
            result = self.on_sync(body)
            if asyncio.iscoroutine(result):
                await result
        status, payload = self.sync_replies.pop(0) if self.sync_replies else self.sync_default
        if 200 <= status < 300 and b'"status"' in payload:
            self.running[body["sync_run_id"]] = True
        return web.Response(status=status, body=payload, content_type="application/json")

    async def _status(self, request: web.Request) -> web.Response:
        run_id = request.match_info["run_id"]
        self.status_calls.append(run_id)
        if self.status_hold is not None:
            await self.status_hold.wait()
        if self.status_reply is not None:
            status, payload = self.status_reply
            return web.Response(status=status, body=payload, content_type="application/json")
        return web.json_response({"running": self.running.get(run_id, False)})

    async def _cancel(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.cancels.append(body["sync_run_id"])
        self.running[body["sync_run_id"]] = False
        return web.json_response({"status": "cancelled"})


@asynccontextmanager
async def serve_fake(fake: FakeConnector) -> AsyncIterator[FakeConnector]:
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/"))
    try:
        yield fake
    finally:
        await server.close()


async def add_connector(
    pool: asyncpg.Pool,
    *,
    url: str,
    now: datetime,
    connector_id: str = "fake",
    source_types: tuple[str, ...] = ("fake",),
    sync_modes: tuple[str, ...] = ("full", "incremental"),
    config_schema: dict[str, Any] | None = None,
) -> None:
    manifest: dict[str, Any] = {
        "name": connector_id,
        "version": "1",
        "connector_id": connector_id,
        "connector_url": url,
        "sync_modes": list(sync_modes),
        "source_types": list(source_types),
    }
    if config_schema is not None:
        manifest["config_schema"] = config_schema
    await pool.execute(
        "INSERT INTO connectors (connector_id, connector_url, manifest, source_types, sync_modes,"
        " first_seen_at, last_heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $6)"
        " ON CONFLICT (connector_id) DO UPDATE SET connector_url = excluded.connector_url,"
        " manifest = excluded.manifest, source_types = excluded.source_types,"
        " sync_modes = excluded.sync_modes, last_heartbeat_at = excluded.last_heartbeat_at",
        connector_id,
        url,
        manifest,
        list(source_types),
        list(sync_modes),
        now,
    )


async def add_source(
    pool: asyncpg.Pool,
    *,
    now: datetime,
    source_type: str = "fake",
    config: dict[str, Any] | None = None,
    is_active: bool = True,
    is_deleted: bool = False,
    interval: int | None = 3600,
    cron: str | None = None,
    checkpoint: Any = None,
    source_id: str | None = None,
) -> str:
    sid = source_id or new_id()
    await pool.execute(
        "INSERT INTO sources (id, name, source_type, config, is_active, is_deleted,"
        " sync_interval_seconds, sync_cron, checkpoint, created_at, updated_at)"
        " VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        sid,
        source_type,
        config or {},
        is_active,
        is_deleted,
        interval,
        cron,
        checkpoint,
        now,
    )
    return sid


async def add_run(
    pool: asyncpg.Pool,
    *,
    source_id: str,
    created_at: datetime,
    status: str = "completed",
    sync_type: str = "full",
    trigger_type: str = "scheduled",
    completed_at: datetime | None = None,
    dispatched_at: datetime | None = None,
    last_activity_at: datetime | None = None,
    checkpoint: Any = None,
    checkpoint_saved: bool = False,
) -> str:
    rid = new_id()
    await pool.execute(
        "INSERT INTO sync_runs (id, source_id, sync_type, trigger_type, status, created_at,"
        " completed_at, dispatched_at, last_activity_at, checkpoint, checkpoint_saved)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        rid,
        source_id,
        sync_type,
        trigger_type,
        status,
        created_at,
        completed_at if completed_at is not None or status == "running" else created_at,
        dispatched_at,
        last_activity_at if last_activity_at is not None else created_at,
        checkpoint,
        checkpoint_saved,
    )
    return rid


async def run_row(pool: asyncpg.Pool, run_id: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM sync_runs WHERE id = $1", run_id)
    assert row is not None
    return row


def fast_settings(**overrides: Any) -> ManagerSettings:
    """Settings with the protocol's fixed delays shortened so failures show up quickly."""
    values: dict[str, Any] = {
        "admin_token": ("admin-token",),
        "connector_token": ("connector-token",),
        "dispatch_retry_base_seconds": 0.01,
        "dispatch_retry_jitter_seconds": 0.01,
        "dispatch_attempt_timeout_seconds": 2,
        "dispatch_deadline_seconds": 10,
        "status_poll_timeout_seconds": 2,
        "cancel_timeout_seconds": 2,
    }
    values.update(overrides)
    return ManagerSettings(**values)


@asynccontextmanager
async def manager_app(
    pool: asyncpg.Pool,
    settings: ManagerSettings,
    clock: Clock | None = None,
    setup: Callable[[web.Application], None] | None = None,
) -> AsyncIterator[web.Application]:
    """An app holding only Services and what ``setup`` installs (leadership), started."""
    async with manager_services(pool, settings, clock) as services:
        app = web.Application()
        app[SERVICES] = services
        if setup is not None:
            setup(app)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            yield app
        finally:
            await runner.cleanup()
