"""Run pages: history, the counters a run page shows, their live stream, cancelling."""

from __future__ import annotations

import asyncpg
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import insert_run, register_connector
from tests.integration.console.html_audit import audit

COUNTERS = (
    "run-status",
    "run-documents-scanned",
    "run-documents-processed",
    "run-documents-updated",
)


async def _source(pool: asyncpg.Pool) -> str:
    await register_connector(pool)
    source_id = "src-console-runs"
    await pool.execute(
        "INSERT INTO sources (id, name, source_type, created_at, updated_at)"
        " VALUES ($1, 'Widgets', 'widgets', now(), now())",
        source_id,
    )
    return source_id


async def _event(resp: ClientResponse) -> tuple[str, str]:
    """The next server-sent event: its name and its data lines joined."""
    name, data = "", []
    while True:
        line = (await resp.content.readline()).decode()
        assert line, "the stream ended before an event"
        line = line.rstrip("\n")
        if not line:
            return name, "\n".join(data)
        field, _, value = line.partition(": ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)


async def test_history_and_run_page(ui: tuple[TestClient, str], db_pool: asyncpg.Pool) -> None:
    client, _ = ui
    source_id = await _source(db_pool)
    done = await insert_run(db_pool, source_id, status="completed", documents_scanned=12)

    history = await client.get("/ui/runs", params={"source_id": source_id})
    assert history.status == 200
    assert f'href="/ui/runs/{done}"' in await history.text()
    assert (await client.get("/ui/runs", params={"status": "nope"})).status == 400

    page = audit(await (await client.get(f"/ui/runs/{done}")).text())
    assert page.ids["run-status"] == "completed"
    assert page.ids["run-documents-scanned"] == "12"
    assert set(COUNTERS) <= set(page.ids)
    assert (await client.get("/ui/runs/no-such-run")).status == 404


async def test_a_running_run_streams_its_counters_until_it_ends(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, _ = ui
    run_id = await insert_run(db_pool, await _source(db_pool), documents_scanned=3)

    html = await (await client.get(f"/ui/runs/{run_id}")).text()
    assert f'sse-connect="/ui/runs/{run_id}/events"' in html
    assert 'sse-swap="progress,end"' in html
    assert 'sse-close="end"' in html
    assert ">Cancel</button>" in html

    resp = await client.get(f"/ui/runs/{run_id}/events")
    assert resp.status == 200
    assert resp.content_type == "text/event-stream"
    name, fragment = await _event(resp)
    assert name == "progress"
    live = audit(fragment)
    assert (live.ids["run-status"], live.ids["run-documents-scanned"]) == ("running", "3")

    await db_pool.execute(
        "UPDATE sync_runs SET status = 'completed', completed_at = now(), documents_scanned = 9,"
        " documents_processed = 9 WHERE id = $1",
        run_id,
    )
    while name == "progress":
        name, fragment = await _event(resp)
    assert name == "end"
    final = audit(fragment)
    assert final.ids["run-status"] == "completed"
    assert final.ids["run-documents-processed"] == "9"
    assert ">Cancel</button>" not in fragment
    assert await resp.content.read() == b""  # the stream closes after the end event


async def test_cancel_marks_a_running_run_cancelled(
    ui: tuple[TestClient, str], db_pool: asyncpg.Pool
) -> None:
    client, csrf = ui
    run_id = await insert_run(db_pool, await _source(db_pool))
    resp = await client.post(
        f"/ui/runs/{run_id}/cancel", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert (resp.status, resp.headers["Location"]) == (303, f"/ui/runs/{run_id}")
    row = await db_pool.fetchrow(
        "SELECT status, error_message FROM sync_runs WHERE id = $1", run_id
    )
    assert (row["status"], row["error_message"]) == ("cancelled", "Cancelled by user")
    again = await client.post(f"/ui/runs/{run_id}/cancel", data={"csrf_token": csrf})
    assert again.status == 409
