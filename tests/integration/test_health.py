import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings


async def test_health_reports_database_ok(db_pool: asyncpg.Pool) -> None:
    app = create_app(ManagerSettings(), db_pool)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/health")
        assert resp.status == 200
        assert await resp.json() == {"status": "ok", "database": "ok"}


async def test_health_reports_unreachable_database(db_url: str) -> None:
    pool = await asyncpg.create_pool(db_url, min_size=0, max_size=1)
    app = create_app(ManagerSettings(), pool)
    await pool.close()
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/health")
        assert resp.status == 503
        assert (await resp.json())["database"] == "unreachable"
