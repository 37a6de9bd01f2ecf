"""Registry: 10,000 connectors heartbeating every 30 s → the manager's CPU share of one core.

Three kinds of process besides the manager, each started as ``python -m bench.registry ROLE``:

* ``sim PORT``: the simulated connectors, one aiohttp server answering ``GET /c{i}/health`` for
  any ``i``, so the manager's first-registration health check of every connector succeeds;
* ``raw PORT DATABASE_URL``: the raw ceiling, a minimal handler that parses the JSON body and
  runs one ``INSERT ... ON CONFLICT DO UPDATE`` into a connectors-shaped table;
* ``load CONFIG``: the load generator. It registers every connector (warm-up, not measured),
  prints ``window_start``, sends each connector's heartbeat once, spread evenly over the window
  (10,000 per 30 s ≈ 333/s), and prints ``window_end`` with statuses and latencies.

The orchestrator reads the manager's (or raw server's) CPU seconds when ``window_start`` and
``window_end`` arrive. Each heartbeat opens a new connection, as a real connector's does: its
client's idle keep-alive (15 s in aiohttp) is shorter than the 30 s between heartbeats.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web

from bench.fixtures import CONNECTOR_TOKEN, manager_env
from bench.harness import ROOT, Proc, free_port, line, spawn, wait_http

CONNECTORS = 10_000
WINDOW_SECONDS = 30.0
WARMUP_CONCURRENCY = 32
# In-flight heartbeats at most; at 333/s and a few ms each only a handful are ever open.
HEARTBEAT_CONCURRENCY = 64

RAW_TABLE = """
DROP TABLE IF EXISTS raw_connectors;
CREATE TABLE raw_connectors (LIKE connectors INCLUDING ALL);
"""
RAW_UPSERT = """
INSERT INTO raw_connectors (connector_id, connector_url, manifest, source_types, sync_modes,
                            first_seen_at, last_heartbeat_at)
VALUES ($1, $2, $3::jsonb, $4::text[], $5::text[], $6, $6)
ON CONFLICT (connector_id) DO UPDATE
SET connector_url = excluded.connector_url, manifest = excluded.manifest,
    source_types = excluded.source_types, sync_modes = excluded.sync_modes,
    last_heartbeat_at = excluded.last_heartbeat_at
"""


def manifest(i: int, sim_port: int) -> dict[str, Any]:
    """A realistic manifest (~1.3 KB): two source types, a read and a write action, a schema."""
    types = [f"bench{i}_files", f"bench{i}_wiki"]
    return {
        "name": f"bench{i}",
        "display_name": f"Bench connector {i}",
        "version": "1.4.2",
        "description": "Files and wiki pages of one simulated workspace.",
        "sync_modes": ["full", "incremental"],
        "connector_id": f"bench-{i:05d}",
        "connector_url": f"http://127.0.0.1:{sim_port}/c{i}",
        "source_types": types,
        "actions": [
            {
                "name": "search_files",
                "description": "Full-text search in the workspace.",
                "mode": "read",
                "input_schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "minLength": 1},
                        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    "required": ["query"],
                },
                "source_types": types[:1],
            },
            {
                "name": "archive_page",
                "description": "Move a wiki page to the archive.",
                "mode": "write",
                "input_schema": {
                    "type": "object",
                    "properties": {"page_id": {"type": "string"}},
                    "required": ["page_id"],
                },
                "required_scopes": ["wiki.write"],
                "source_types": types[1:],
            },
        ],
        "config_schema": {
            "type": "object",
            "properties": {
                "root": {"type": "string", "description": "Workspace root"},
                "include_archived": {"type": "boolean", "default": False},
            },
            "required": ["root"],
        },
        "credentials_schema": {
            "type": "object",
            "properties": {"api_key": {"type": "string"}},
            "required": ["api_key"],
        },
    }


# --- the load process --------------------------------------------------------------------------


def _emit(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def _load(cfg: dict[str, Any]) -> None:
    count, window = cfg["connectors"], cfg["window"]
    # Built before any clock starts; the same bytes every time, as an SDK re-sends its manifest.
    bodies = [orjson.dumps(manifest(i, cfg["sim_port"])) for i in range(count)]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {cfg['token']}"}
    statuses: Counter[int] = Counter()

    warm = aiohttp.TCPConnector(limit=WARMUP_CONCURRENCY)
    async with aiohttp.ClientSession(connector=warm, headers=headers) as session:
        queue = list(reversed(bodies))

        async def register_worker() -> None:
            while queue:
                async with session.post(cfg["url"], data=queue.pop()) as resp:
                    await resp.read()
                    statuses[resp.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(register_worker() for _ in range(WARMUP_CONCURRENCY)))
        _emit(
            {
                "event": "warm_done",
                "seconds": time.perf_counter() - started,
                "statuses": dict(statuses),
            }
        )
    statuses.clear()
    latencies: list[float] = []
    # ``keepalive`` is a diagnostic switch: reuse connections, unlike real connectors.
    cold = aiohttp.TCPConnector(
        limit=HEARTBEAT_CONCURRENCY, force_close=not cfg.get("keepalive", False)
    )
    async with aiohttp.ClientSession(connector=cold, headers=headers) as session:

        async def heartbeat(body: bytes) -> None:
            sent = time.perf_counter()
            async with session.post(cfg["url"], data=body) as resp:
                await resp.read()
                statuses[resp.status] += 1
            latencies.append(time.perf_counter() - sent)

        loop = asyncio.get_running_loop()
        spacing = window / count
        tasks: set[asyncio.Task[None]] = set()
        _emit({"event": "window_start"})
        start = loop.time()
        sent = 0
        while sent < count:
            due = min(count, int((loop.time() - start) / spacing) + 1)
            while sent < due:
                task = asyncio.create_task(heartbeat(bodies[sent]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.sleep(max(0.0, start + sent * spacing - loop.time()))
        await asyncio.gather(*tasks)
        seconds = loop.time() - start
    latencies.sort()
    _emit(
        {
            "event": "window_end",
            "seconds": seconds,
            "statuses": dict(statuses),
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        }
    )


# --- the simulated connectors and the raw ceiling ----------------------------------------------


async def _ok(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _serve_sim(port: int) -> None:
    app = web.Application()
    app.router.add_get("/{connector}/health", _ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


RAW_POOL = web.AppKey("raw_pool", asyncpg.Pool)


def _serve_raw(port: int, url: str) -> None:
    async def register(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        await request.app[RAW_POOL].execute(
            RAW_UPSERT,
            body["connector_id"],
            body["connector_url"],
            orjson.dumps(body).decode(),
            body["source_types"],
            body["sync_modes"],
            datetime.now(UTC),
        )
        return await _ok(request)

    async def pool_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        app[RAW_POOL] = await asyncpg.create_pool(url, min_size=2, max_size=10)
        yield
        await app[RAW_POOL].close()

    app = web.Application()
    app.cleanup_ctx.append(pool_ctx)
    app.router.add_post("/sdk/register", register)
    app.router.add_get("/health", _ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- the orchestrator ------------------------------------------------------------------------


async def _window(server: Proc, cfg: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Run the load process against ``server``; its CPU share (% of one core) over the window."""
    load = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.registry",
        "load",
        json.dumps(cfg),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert load.stdout is not None
    cpu_start = wall_start = warm_seconds = 0.0
    try:
        while True:
            raw_line = await load.stdout.readline()
            if not raw_line:
                raise RuntimeError(f"load process ended early ({await load.wait()})")
            message = json.loads(raw_line)
            if message["event"] == "warm_done":
                assert message["statuses"] == {"200": cfg["connectors"]}, message
                warm_seconds = message["seconds"]
            elif message["event"] == "window_start":
                cpu_start, wall_start = server.cpu_seconds(), time.perf_counter()
            elif message["event"] == "window_end":
                cpu, wall = server.cpu_seconds() - cpu_start, time.perf_counter() - wall_start
                assert message["statuses"] == {"200": cfg["connectors"]}, message
                return 100 * cpu / wall, {**message, "warm_seconds": warm_seconds}
    finally:
        await load.wait()


async def measure_sluice(url: str, sim_port: int) -> tuple[float, dict[str, Any]]:
    port = free_port()
    manager = spawn("manager", ["-m", "cli.main", "manager"], manager_env(url, port))
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        return await _window(manager, _config(f"http://127.0.0.1:{port}/sdk/register", sim_port))
    finally:
        manager.stop()


async def measure_raw(url: str, sim_port: int) -> tuple[float, dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(RAW_TABLE)
    finally:
        await conn.close()
    port = free_port()
    server = spawn("raw-registry", ["-m", "bench.registry", "raw", str(port), url], {})
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        return await _window(server, _config(f"http://127.0.0.1:{port}/sdk/register", sim_port))
    finally:
        server.stop()


def _config(target: str, sim_port: int) -> dict[str, Any]:
    return {
        "url": target,
        "token": CONNECTOR_TOKEN,
        "sim_port": sim_port,
        "connectors": CONNECTORS,
        "window": WINDOW_SECONDS,
    }


async def run(url: str) -> list[str]:
    sim_port = free_port()
    sim = spawn("connector-sim", ["-m", "bench.registry", "sim", str(sim_port)], {})
    try:
        await wait_http(f"http://127.0.0.1:{sim_port}/c0/health")
        raw_cpu, raw = await measure_raw(url, sim_port)
        sluice_cpu, sluice = await measure_sluice(url, sim_port)
    finally:
        sim.stop()
    name = f"registry {CONNECTORS // 1000}k conns / {WINDOW_SECONDS:g} s"
    return [
        f"# registry warm-up: {CONNECTORS:,} first registrations in {sluice['warm_seconds']:.1f} s"
        f" (raw {raw['warm_seconds']:.1f} s); heartbeats sent over {sluice['seconds']:.1f} s"
        f" (raw {raw['seconds']:.1f} s)",
        line(f"{name} CPU (target < 10)", sluice_cpu, raw_cpu, "% core", higher_is_better=False),
        line(f"{name} heartbeat p50", sluice["p50_ms"], raw["p50_ms"], "ms", False),
        line(f"{name} heartbeat p99", sluice["p99_ms"], raw["p99_ms"], "ms", False),
    ]


def main(argv: list[str]) -> None:
    role = argv[0]
    if role == "sim":
        _serve_sim(int(argv[1]))
    elif role == "raw":
        _serve_raw(int(argv[1]), argv[2])
    elif role == "load":
        asyncio.run(_load(json.loads(argv[1])))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
