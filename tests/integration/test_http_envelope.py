"""Framework-level replies use the error envelope; auth follows routing (protocol §1.3, §2)."""

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from sluice_manager.app import create_app
from sluice_manager.http.errors import HttpError
from sluice_manager.settings import ManagerSettings
from sluice_manager.sources.crypto import SecretBoxError
from sluice_manager.sources.errors import SourceNotFound


def _app(pool: asyncpg.Pool, **settings: object) -> web.Application:
    app = create_app(
        ManagerSettings(admin_token="adm1,adm2", connector_token="con1", **settings),  # type: ignore[arg-type]
        pool,
        run_leader_work=False,
    )

    async def probe(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/health")

    async def limited(request: web.Request) -> web.Response:
        raise HttpError(429, "slow down", headers={"Retry-After": "7"})

    async def refused(request: web.Request) -> web.Response:
        raise SourceNotFound("s1")  # a domain error of the status table

    async def unlisted(request: web.Request) -> web.Response:
        raise SecretBoxError("encrypted value is too short")  # no client should see it

    app.router.add_get("/sdk/refused", refused)
    app.router.add_get("/sdk/unlisted", unlisted)
    app.router.add_get("/api/probe", probe)
    app.router.add_get("/sdk/probe", probe)
    app.router.add_get("/sdk/broken", broken)
    app.router.add_get("/sdk/moved", moved)
    app.router.add_get("/sdk/limited", limited)
    return app


def _observed(metrics_text: str, route: str) -> dict[str, float]:
    """Latency observations counted per status for ``route``, from the exposition."""
    counts: dict[str, float] = {}
    prefix = "sluice_http_request_duration_seconds_count{"
    for line in metrics_text.splitlines():
        if line.startswith(prefix) and f'route="{route}"' in line:
            status = line.split('status="')[1].split('"')[0]
            counts[status] = float(line.rsplit(" ", 1)[1])
    return counts


async def test_unknown_route_and_wrong_method_use_envelope(db_pool: asyncpg.Pool) -> None:
    async with TestClient(TestServer(_app(db_pool))) as client:
        resp = await client.get("/nowhere")
        assert resp.status == 404
        assert set(await resp.json()) == {"error"}
        resp = await client.post("/health")
        assert resp.status == 405
        assert "error" in await resp.json()
        assert "GET" in resp.headers["Allow"]


async def test_admin_routes_need_an_admin_token(db_pool: asyncpg.Pool) -> None:
    async with TestClient(TestServer(_app(db_pool))) as client:
        resp = await client.get("/api/probe")
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"] == "Bearer"
        assert "error" in await resp.json()
        resp = await client.get("/api/probe", headers={"Authorization": "Bearer con1"})
        assert resp.status == 401
        for token in ("adm1", "adm2"):  # rotation: every listed token works
            resp = await client.get("/api/probe", headers={"Authorization": f"Bearer {token}"})
            assert resp.status == 200


async def test_sdk_routes_need_a_connector_token_unless_open(db_pool: asyncpg.Pool) -> None:
    async with TestClient(TestServer(_app(db_pool))) as client:
        assert (await client.get("/sdk/probe")).status == 401
        resp = await client.get("/sdk/probe", headers={"Authorization": "Bearer adm1"})
        assert resp.status == 401
        resp = await client.get("/sdk/probe", headers={"Authorization": "Bearer con1"})
        assert resp.status == 200
    async with TestClient(TestServer(_app(db_pool, sdk_auth="open"))) as client:
        assert (await client.get("/sdk/probe")).status == 200
        resp = await client.get("/sdk/probe", headers={"Authorization": "Bearer wrong"})
        assert resp.status == 401


async def test_handler_failures_and_their_latencies(db_pool: asyncpg.Pool) -> None:
    con = {"Authorization": "Bearer con1"}
    async with TestClient(TestServer(_app(db_pool))) as client:
        with capture_logs() as logs:
            resp = await client.get("/sdk/broken", headers=con)
        assert resp.status == 500
        assert await resp.json() == {"error": "internal error"}
        failed = [e for e in logs if e["event"] == "request_failed"]
        assert [(e["method"], e["path"]) for e in failed] == [("GET", "/sdk/broken")]
        resp = await client.get("/sdk/refused", headers=con)
        assert (resp.status, await resp.json()) == (404, {"error": "source s1 not found"})
        with capture_logs() as logs:
            resp = await client.get("/sdk/unlisted", headers=con)
        assert (resp.status, await resp.json()) == (500, {"error": "internal error"})
        assert [e["event"] for e in logs] == ["request_failed"]
        resp = await client.get("/sdk/limited", headers=con)
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "7"
        assert await resp.json() == {"error": "slow down"}
        resp = await client.get("/sdk/moved", headers=con, allow_redirects=False)
        assert resp.status == 302
        assert resp.headers["Location"] == "/health"
        for _ in range(2):
            assert (await client.get("/sdk/probe", headers=con)).status == 200
        # Refused before the handler (no token, unknown route): not a handler latency.
        assert (await client.get("/sdk/probe")).status == 401
        assert (await client.get("/sdk/nowhere", headers=con)).status == 404
        text = await (await client.get("/metrics")).text()
    assert _observed(text, "/sdk/broken") == {"500": 1.0}
    assert _observed(text, "/sdk/limited") == {"429": 1.0}
    assert _observed(text, "/sdk/refused") == {"404": 1.0}
    assert _observed(text, "/sdk/unlisted") == {"500": 1.0}
    assert _observed(text, "/sdk/moved") == {"302": 1.0}
    assert _observed(text, "/sdk/probe") == {"200": 2.0}
    assert 'route="unmatched"' not in text
