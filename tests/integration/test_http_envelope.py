"""Framework-level replies use the error envelope; auth follows routing (protocol §1.3, §2)."""

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings


def _app(pool: asyncpg.Pool, **settings: object) -> web.Application:
    app = create_app(
        ManagerSettings(admin_token="adm1,adm2", connector_token="con1", **settings),  # type: ignore[arg-type]
        pool,
        run_leader_work=False,
    )

    async def probe(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/api/probe", probe)
    app.router.add_get("/sdk/probe", probe)
    return app


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
