"""The connector server over real HTTP (protocol §3, §3.7 items 1-3, §2 item 3)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sluice_sdk.server import ConnectorServer
from sluice_sdk.testing import FakeManager
from tests.integration.sdk.conftest import Demo, make_server


async def call(
    server: ConnectorServer,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.url + path, json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


def sync_body(fake: FakeManager, mode: str = "full", **config: Any) -> dict[str, Any]:
    source = fake.add_source("demo", config=config)
    run = fake.create_run(source.id, mode)  # type: ignore[arg-type]
    return {"sync_run_id": run.id, "source_id": source.id, "sync_mode": mode}


async def test_health_and_manifest(server: ConnectorServer) -> None:
    assert await call(server, "GET", "/health") == (200, {"status": "healthy", "service": "demo"})
    status, manifest = await call(server, "GET", "/manifest")
    assert status == 200
    assert manifest["connector_id"] == "demo"
    assert manifest["connector_url"] == server.url
    assert manifest["config_schema"]["properties"]["count"]["type"] == "integer"
    assert manifest["actions"][0]["name"] == "greet"
    assert manifest["actions"][0]["mode"] == "read"
    # Its fresh full runs start from no checkpoint, so they list everything (§10.7).
    assert manifest["full_sync_enumerates_all"] is True


async def test_sync_starts_and_completes(server: ConnectorServer, fake: FakeManager) -> None:
    body = sync_body(fake)
    assert await call(server, "POST", "/sync", body) == (
        200,
        {"status": "started", "message": None},
    )
    run = await fake.wait_for_run_end(body["sync_run_id"])
    assert run.status == "completed"
    assert [e["document_id"] for e in run.events] == ["d0", "d1"]
    await fake.wait_until(lambda: not server.runs.is_running(body["sync_run_id"]))
    assert await call(server, "GET", f"/sync/{body['sync_run_id']}") == (200, {"running": False})


async def test_slot_rules(server: ConnectorServer, fake: FakeManager) -> None:
    body = sync_body(fake, hold=True)
    assert (await call(server, "POST", "/sync", body))[1]["status"] == "started"
    assert await call(server, "GET", f"/sync/{body['sync_run_id']}") == (200, {"running": True})
    # The same run again: no second copy (§3.7 item 3).
    assert (await call(server, "POST", "/sync", body)) == (
        200,
        {"status": "already_running", "message": None},
    )
    # Another run in the same slot of the same source: 409.
    other = fake.create_run(body["source_id"], "incremental")
    status, _ = await call(
        server,
        "POST",
        "/sync",
        {**body, "sync_run_id": other.id, "sync_mode": "incremental"},
    )
    assert status == 409
    # A realtime run uses its own slot (§3.7 item 2).
    watcher = fake.create_run(body["source_id"], "realtime")
    status, reply = await call(
        server, "POST", "/sync", {**body, "sync_run_id": watcher.id, "sync_mode": "realtime"}
    )
    assert (status, reply["status"]) == (200, "started")
    # Another source is independent.
    assert (await call(server, "POST", "/sync", sync_body(fake)))[0] == 200


async def test_cancel_frees_the_slot_at_once(server: ConnectorServer, fake: FakeManager) -> None:
    body = sync_body(fake, hold=True)
    await call(server, "POST", "/sync", body)
    await fake.wait_until(lambda: fake.runs[body["sync_run_id"]].batches == 1)
    cancel = {"sync_run_id": body["sync_run_id"]}
    assert await call(server, "POST", "/cancel", cancel) == (200, {"status": "cancelled"})
    assert await call(server, "GET", f"/sync/{body['sync_run_id']}") == (200, {"running": False})
    nxt = fake.create_run(body["source_id"], "full")
    status, reply = await call(server, "POST", "/sync", {**body, "sync_run_id": nxt.id})
    assert (status, reply["status"]) == (200, "started")
    assert await call(server, "POST", "/cancel", {"sync_run_id": "unknown"}) == (
        404,
        {"status": "not_found"},
    )


async def test_unknown_run_status_is_false_not_404(server: ConnectorServer) -> None:
    assert await call(server, "GET", "/sync/never-seen") == (200, {"running": False})


async def test_realtime_not_declared_answers_404(fake: FakeManager) -> None:
    class FullOnly(Demo):
        sync_modes = ["full"]  # type: ignore[assignment]

    server = make_server(fake, FullOnly())
    await server.start()
    try:
        status, _ = await call(server, "POST", "/sync", sync_body(fake, "realtime"))
    finally:
        await server.stop()
    assert status == 404


async def test_invalid_sync_request_is_400(server: ConnectorServer) -> None:
    status, reply = await call(server, "POST", "/sync", {"sync_mode": "weekly"})
    assert status == 400
    assert "error" in reply


async def test_token_is_required_except_for_health(fake: FakeManager) -> None:
    server = make_server(fake, Demo(), token="tok")
    await server.start()
    try:
        assert (await call(server, "GET", "/health"))[0] == 200
        assert (await call(server, "GET", "/manifest"))[0] == 401
        assert (await call(server, "GET", "/manifest", token="bad"))[0] == 401
        assert (await call(server, "GET", "/sync/x", token="tok"))[0] == 200
    finally:
        await server.stop()


async def test_action_success_error_and_unknown(server: ConnectorServer, fake: FakeManager) -> None:
    source = fake.add_source("demo")
    stamp = "2025-03-04T05:06:07.000000Z"
    credential = {
        "id": "c1",
        "source_id": source.id,
        "provider": "demo",
        "auth_type": "api_key",
        "credentials": {},
        "created_at": stamp,
        "updated_at": stamp,
    }
    request = {
        "action": "greet",
        "params": {"name": "ada"},
        "credentials": credential,
        "source": source.as_source_object(),
        "actor_email": None,
    }
    assert await call(server, "POST", "/action", request) == (
        200,
        {"status": "success", "result": {"greeting": "hello ada", "source": source.id}},
    )
    status, reply = await call(server, "POST", "/action", {**request, "params": {"name": "error"}})
    assert (status, reply["status"]) == (400, "error")
    assert "no greeting for you" in reply["error"]
    status, reply = await call(server, "POST", "/action", {**request, "params": {}})
    assert (status, reply["status"]) == (400, "error")
    status, reply = await call(server, "POST", "/action", {**request, "action": "nope"})
    assert (status, reply["status"]) == (404, "error")


async def test_stop_leaves_running_runs_to_the_manager(fake: FakeManager) -> None:
    server = make_server(fake, Demo())
    await server.start()
    body = sync_body(fake, hold=True, count=1)
    await call(server, "POST", "/sync", body)
    await fake.wait_until(lambda: fake.runs[body["sync_run_id"]].batches == 1)
    await server.stop()
    run = fake.runs[body["sync_run_id"]]
    assert run.status == "running"
    assert not fake.paths(f"/sdk/sync/{run.id}/fail")
    assert server.runs.task_count == 0


@pytest.mark.parametrize("failures", [0, 2])
async def test_registration_first_at_once_then_every_interval(
    fake: FakeManager, failures: int
) -> None:
    fake.fail_next("/sdk/register", 503, times=failures)
    server = make_server(fake, Demo(), registration_interval=0.02)
    await server.start()
    try:
        await fake.wait_until(lambda: len(fake.registrations) >= 3)
    finally:
        await server.stop()
    assert fake.registrations[0].connector_url == server.url
    assert len(fake.paths("/sdk/register")) >= 3 + failures


async def test_registration_failure_is_logged_and_retried(fake: FakeManager) -> None:
    from structlog.testing import capture_logs

    fake.fail_next("/sdk/register", 400, error="connector health check failed")
    server = make_server(fake, Demo(), registration_interval=30)
    with capture_logs() as logs:
        await server.start()
        try:
            # The retry after a failure comes well within the 30 s interval (§3.7 item 1).
            await fake.wait_until(lambda: len(fake.registrations) == 1)
        finally:
            await server.stop()
    failed = [e for e in logs if e["event"] == "registration_failed"]
    assert failed
    assert failed[0]["status"] == 400
    assert any(e["event"] == "connector_registered" for e in logs)
