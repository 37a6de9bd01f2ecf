"""MCP: the latency an MCP tool call adds to the same action run through the admin API.

A manager process, a connector process whose ``POST /action`` answers at once (so the figures are
the manager's), and one client that alternates, call by call, between
``POST /api/sources/{id}/actions/lookup`` and the ``tools/call`` of the same action on ``/mcp``:
as a 2026-07-28 client sends it (one self-contained POST, JSON answer) and as a 2025 client in a
stateful session (``Mcp-Session-Id``, SSE answer). The same aiohttp client makes every request, so
the difference is the server's: the MCP SDK's handling and the bridge. Target: p50 added ≤ 5 ms.

    python -m bench.mcp connector PORT      # the connector, started by ``run``
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from bench.fixtures import ADMIN_TOKEN, CONNECTOR_TOKEN, manager_env
from bench.harness import free_port, spawn, wait_http
from sluice_runtime import event_loop

CALLS = 2000
WARMUP = 200
MAX_ADDED_P50_MS = 5.0
REPLY = b'{"status":"success","result":{"notes":["one","two"]}}'
TOOL = "bench-notes__lookup"
MODERN = "2026-07-28"
_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def _expect(condition: bool, failure: str) -> None:
    if not condition:
        raise RuntimeError(failure)


def _manifest(port: int) -> dict[str, object]:
    return {
        "name": "bench-notes",
        "display_name": "Bench notes",
        "version": "1.0.0",
        "sync_modes": ["full"],
        "connector_id": "bench-notes",
        "connector_url": f"http://127.0.0.1:{port}",
        "source_types": ["bench_notes"],
        "actions": [
            {
                "name": "lookup",
                "description": "Look up notes",
                "mode": "read",
                "input_schema": {
                    "type": "object",
                    "properties": {"q": {"type": "string"}},
                    "required": ["q"],
                },
            }
        ],
    }


def serve_connector(port: int) -> None:
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "healthy"})

    async def action(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=REPLY, content_type="application/json")

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_post("/action", action)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    event_loop.run(main(), "uvloop")


Call = Callable[[], Awaitable[None]]


class Client:
    """The three ways to run the action, over one aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, base: str, source_id: str) -> None:
        self.session = session
        self.base = base
        self.source_id = source_id
        self.auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        self.mcp_headers = {
            **self.auth,
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        self.session_id = ""
        self.next_id = 1

    async def admin(self) -> None:
        url = f"{self.base}/api/sources/{self.source_id}/actions/lookup"
        async with self.session.post(url, json={"params": {"q": "bench"}}, headers=self.auth) as r:
            body = await r.read()
            _expect(r.status == 200 and body == REPLY, f"admin API answered {r.status} {body!r}")

    def _call(self, meta: bool) -> bytes:
        self.next_id += 1
        params: dict[str, object] = {"name": TOOL, "arguments": {"q": "bench"}}
        if meta:
            params["_meta"] = _META
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call", "params": params}
        return json.dumps(message).encode()

    async def modern(self) -> None:
        headers = {
            **self.mcp_headers,
            "MCP-Protocol-Version": MODERN,
            "Mcp-Method": "tools/call",
            "Mcp-Name": TOOL,
        }
        async with self.session.post(
            f"{self.base}/mcp", data=self._call(meta=True), headers=headers
        ) as r:
            body = await r.json()
            _expect(r.status == 200 and not body["result"]["isError"], f"MCP answered {body}")

    async def open_session(self) -> None:
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        }
        async with self.session.post(
            f"{self.base}/mcp", json=initialize, headers=self.mcp_headers
        ) as r:
            await r.read()
            self.session_id = r.headers["Mcp-Session-Id"]
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        async with self.session.post(
            f"{self.base}/mcp", json=initialized, headers=self._session_headers()
        ) as r:
            _expect(r.status == 202, f"notifications/initialized answered {r.status}")

    def _session_headers(self) -> dict[str, str]:
        return {
            **self.mcp_headers,
            "Mcp-Session-Id": self.session_id,
            "MCP-Protocol-Version": "2025-11-25",
        }

    async def handshake(self) -> None:
        async with self.session.post(
            f"{self.base}/mcp", data=self._call(meta=False), headers=self._session_headers()
        ) as r:
            text = (await r.read()).decode()
        data = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
        _expect(not json.loads(data)["result"]["isError"], f"MCP answered {data}")


def _ms(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] * 1000


async def run(url: str) -> list[str]:
    manager_port, connector_port = free_port(), free_port()
    base = f"http://127.0.0.1:{manager_port}"
    connector = spawn("connector", ["-m", "bench.mcp", "connector", str(connector_port)], {})
    env = {**manager_env(url, manager_port), "SLUICE_REGISTRY_TTL_SECONDS": "86400"}
    manager = spawn("manager", ["-m", "sluice_cli.main", "manager"], env)
    try:
        await wait_http(f"http://127.0.0.1:{connector_port}/health")
        await wait_http(f"{base}/health")
        async with aiohttp.ClientSession() as session:
            register = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}
            async with session.post(
                f"{base}/sdk/register", json=_manifest(connector_port), headers=register
            ) as r:
                _expect(r.status == 200, await r.text())
            source = {
                "name": "Bench Notes",
                "source_type": "bench_notes",
                "config": {},
                "credentials": {"provider": "bench", "auth_type": "api_key", "credentials": {}},
            }
            async with session.post(
                f"{base}/api/sources",
                json=source,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            ) as r:
                _expect(r.status == 201, await r.text())
                source_id = (await r.json())["id"]
            client = Client(session, base, source_id)
            await client.open_session()
            ways: dict[str, Call] = {
                "admin": client.admin,
                "modern": client.modern,
                "handshake": client.handshake,
            }
            for _ in range(WARMUP):
                for call in ways.values():
                    await call()
            samples: dict[str, list[float]] = {name: [] for name in ways}
            order = list(ways.items())
            for i in range(CALLS):
                for name, call in order[i % 3 :] + order[: i % 3]:  # no way always goes first
                    started = time.perf_counter()
                    await call()
                    samples[name].append(time.perf_counter() - started)
    finally:
        manager.sample()  # peak RSS (bench.rss): one reading after the calls
        manager.stop()
        connector.stop()
    admin_p50 = _ms(samples["admin"], 50)
    lines = [f"# MCP tool call vs the admin API's action call, {CALLS} calls each, sequential"]
    labels = {
        "admin": "admin API  POST /api/sources/{id}/actions",
        "modern": "MCP 2026-07-28 tools/call (JSON)",
        "handshake": "MCP 2025-11-25 session tools/call (SSE)",
    }
    for name, label in labels.items():
        p50, p90, p99 = (_ms(samples[name], q) for q in (50, 90, 99))
        added = "" if name == "admin" else f"  added p50 {p50 - admin_p50:+.2f} ms"
        lines.append(f"{label:<44} p50 {p50:6.2f} ms  p90 {p90:6.2f}  p99 {p99:6.2f}{added}")
    worst = max(_ms(samples[name], 50) for name in ("modern", "handshake")) - admin_p50
    verdict = "met" if worst <= MAX_ADDED_P50_MS else "MISSED"
    lines.append(f"target: added p50 <= {MAX_ADDED_P50_MS:.0f} ms: {verdict} ({worst:+.2f} ms)")
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["connector"]:
        serve_connector(int(sys.argv[2]))
