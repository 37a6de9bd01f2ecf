"""Registry: 10,000 connectors heartbeating every 30 s → the manager's CPU share of one core.

Each figure is set beside the floor measured in the same run: a bare aiohttp handler (reads the
body, answers ``{"status": "ok"}``; no middleware, no parsing, no database) on the same event loop
under the same load, connection for connection. Targets: Sluice at most 1.5 × that floor, and under
10 % of one core (absolute figures move from machine to machine; the ratio is the one to trust).

Three kinds of process besides the manager, each started as ``python -m bench.registry ROLE``:

* ``sim PORT``: the simulated connectors, one aiohttp server answering ``GET /c{i}/health`` for
  any ``i``, so the manager's first-registration health check of every connector succeeds;
* ``bare PORT``: the floor, which reads the body and answers the bytes Sluice answers;
* ``load CONFIG``: the load generator. It registers every connector (warm-up, not measured),
  prints ``window_start``, sends each connector's heartbeat once, spread evenly over the window
  (10,000 per 30 s ≈ 333/s), and prints ``window_end`` with statuses and latencies.

Two kinds of connector are simulated, each with the exact bytes an aiohttp client sends:

* ``keepalive``: connectors on the Sluice SDK, which keeps its connection to the manager open
  between heartbeats (``sluice_sdk.client.KEEPALIVE_SECONDS`` > 30 s): one open connection per
  connector, 10,000 in all;
* ``reconnect``: connectors whose client drops idle connections sooner than 30 s (aiohttp's
  default is 15 s, as in the Omni SDKs): every heartbeat opens a new connection.

The orchestrator reads the server's CPU seconds when ``window_start`` and ``window_end`` arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import orjson
from aiohttp import web

from bench.fixtures import CONNECTOR_TOKEN, manager_env
from bench.harness import ROOT, Proc, free_port, spawn, wait_http
from sluice_runtime import event_loop

CONNECTORS = 10_000
WINDOW_SECONDS = 30.0
WARMUP_CONCURRENCY = 32

# The targets: Sluice's CPU at most this many times the floor's, and under this share of a core.
MAX_RATIO = 1.5
MAX_CPU_PERCENT = 10.0


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


def _request(cfg: dict[str, Any], body: bytes) -> bytes:
    """``POST /sdk/register`` as aiohttp's client writes it (same headers, same order)."""
    target = urlsplit(cfg["url"])
    head = (
        f"POST {target.path} HTTP/1.1\r\n"
        f"Host: {target.netloc}\r\n"
        f"Content-Type: application/json\r\n"
        f"Authorization: Bearer {cfg['token']}\r\n"
        f"Accept: */*\r\n"
        f"Accept-Encoding: gzip, deflate\r\n"
        f"User-Agent: Python/3.11 aiohttp/3.14\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class SimulatedConnector:
    """One connector's connection to the manager: kept between heartbeats, or not."""

    def __init__(self, host: str, port: int, request: bytes, keepalive: bool) -> None:
        self.host, self.port, self.request, self.keepalive = host, port, request, keepalive
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.reconnects = 0

    async def post(self) -> int:
        if self.stream is None:
            self.stream = await asyncio.open_connection(self.host, self.port)
        try:
            status = await self._exchange(*self.stream)
        except (ConnectionError, asyncio.IncompleteReadError):
            # The server closed an idle connection: a real client retries on a new one.
            await self.close()
            self.reconnects += 1
            self.stream = await asyncio.open_connection(self.host, self.port)
            status = await self._exchange(*self.stream)
        if not self.keepalive:
            await self.close()
        return status

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        writer.write(self.request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for header in head.split(b"\r\n")[1:]:
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(head[9:12])

    async def close(self) -> None:
        if self.stream is not None:
            writer = self.stream[1]
            self.stream = None
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def _load(cfg: dict[str, Any]) -> None:
    count, window, keepalive = cfg["connectors"], cfg["window"], cfg["keepalive"]
    target = urlsplit(cfg["url"])
    assert target.hostname is not None
    assert target.port is not None
    # Built before any clock starts; the same bytes every time, as an SDK re-sends its manifest.
    connectors = [
        SimulatedConnector(
            target.hostname,
            target.port,
            _request(cfg, orjson.dumps(manifest(i, cfg["sim_port"]))),
            keepalive,
        )
        for i in range(count)
    ]
    statuses: Counter[int] = Counter()

    # Warm-up: every connector's first registration (health check, full validation).
    queue = list(reversed(connectors))

    async def register_worker() -> None:
        while queue:
            statuses[await queue.pop().post()] += 1

    started = time.perf_counter()
    await asyncio.gather(*(register_worker() for _ in range(WARMUP_CONCURRENCY)))
    _emit({"event": "warm_done", "seconds": time.perf_counter() - started, "statuses": statuses})
    statuses.clear()
    latencies: list[float] = []

    async def heartbeat(connector: SimulatedConnector) -> None:
        sent = time.perf_counter()
        statuses[await connector.post()] += 1
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
            task = asyncio.create_task(heartbeat(connectors[sent]))
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
            "statuses": statuses,
            "reconnects": sum(c.reconnects for c in connectors),
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        }
    )
    for connector in connectors:
        await connector.close()


# --- the simulated connectors and the floor --------------------------------------------------


OK = b'{"status":"ok"}'


async def _ok(request: web.Request) -> web.Response:
    # The bytes Sluice answers with, built the cheapest way aiohttp offers.
    return web.Response(body=OK, content_type="application/json")


async def _serve(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()  # until terminated


def _serve_sim(port: int) -> None:
    app = web.Application()
    app.router.add_get("/{connector}/health", _ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def _serve_bare(port: int) -> None:
    async def register(request: web.Request) -> web.Response:
        await request.read()
        return await _ok(request)

    app = web.Application()
    app.router.add_post("/sdk/register", register)
    app.router.add_get("/health", _ok)
    event_loop.run(_serve(app, port))


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
                server.sample()  # peak RSS (bench.rss), read after the CPU window
                assert message["statuses"] == {"200": cfg["connectors"]}, message
                return 100 * cpu / wall, {**message, "warm_seconds": warm_seconds}
    finally:
        await load.wait()


async def measure(
    role: str, url: str, sim_port: int, keepalive: bool
) -> tuple[float, dict[str, Any]]:
    """Start a fresh server of ``role`` (sluice or bare) and measure one window against it."""
    port = free_port()
    if role == "sluice":
        server = spawn("manager", ["-m", "sluice_cli.main", "manager"], manager_env(url, port))
    else:
        server = spawn("bare-registry", ["-m", "bench.registry", "bare", str(port)], {})
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        cfg = {
            "url": f"http://127.0.0.1:{port}/sdk/register",
            "token": CONNECTOR_TOKEN,
            "sim_port": sim_port,
            "connectors": CONNECTORS,
            "window": WINDOW_SECONDS,
            "keepalive": keepalive,
        }
        return await _window(server, cfg)
    finally:
        server.stop()


async def _reset(url: str) -> None:
    """Forget every registration, so each window starts from first registrations."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DELETE FROM connectors")
    finally:
        await conn.close()


def _met(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def report(
    kind: str, sluice_cpu: float, sluice: dict[str, Any], floor_cpu: float, floor: dict[str, Any]
) -> list[str]:
    """The lines of one load shape: CPU against the floor and the targets, then latencies."""
    name = f"registry 10k, {kind}"
    ratio = sluice_cpu / floor_cpu if floor_cpu else float("inf")
    return [
        f"# registry ({kind} connectors): {CONNECTORS:,} first registrations in "
        f"{sluice['warm_seconds']:.1f} s (floor {floor['warm_seconds']:.1f} s); heartbeats sent "
        f"over {sluice['seconds']:.1f} s (floor {floor['seconds']:.1f} s); "
        f"{sluice['reconnects']} reconnects",
        f"{name + ' CPU':<44} sluice {sluice_cpu:>5.1f} % core   floor {floor_cpu:>5.1f} % core"
        f"   ratio {ratio:4.2f} (≤ {MAX_RATIO}: {_met(ratio <= MAX_RATIO)};"
        f" < {MAX_CPU_PERCENT:g} % core: {_met(sluice_cpu < MAX_CPU_PERCENT)})",
        f"{name + ' p50 / p99':<44} sluice {sluice['p50_ms']:.1f} / {sluice['p99_ms']:.1f} ms"
        f"   floor {floor['p50_ms']:.1f} / {floor['p99_ms']:.1f} ms",
    ]


async def run(url: str) -> list[str]:
    sim_port = free_port()
    sim = spawn("connector-sim", ["-m", "bench.registry", "sim", str(sim_port)], {})
    lines: list[str] = []
    try:
        await wait_http(f"http://127.0.0.1:{sim_port}/c0/health")
        for keepalive, kind in ((True, "SDK keep-alive"), (False, "reconnecting")):
            floor_cpu, floor = await measure("bare", url, sim_port, keepalive)
            await _reset(url)
            sluice_cpu, sluice = await measure("sluice", url, sim_port, keepalive)
            lines += report(kind, sluice_cpu, sluice, floor_cpu, floor)
    finally:
        sim.stop()
    return lines


def main(argv: list[str]) -> None:
    role = argv[0]
    if role == "sim":
        _serve_sim(int(argv[1]))
    elif role == "bare":
        _serve_bare(int(argv[1]))
    elif role == "load":
        event_loop.run(_load(json.loads(argv[1])), "asyncio")
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
