"""A declarative connector from descriptor file to searchable documents, as a user meets it.

Real processes over real HTTP: a json-server API guarded by json-server-auth (installed from npm by
the test set-up), the manager, an indexer and the declarative runtime. The descriptor is validated
and pushed with the ``sluice descriptor`` command; a source pinned to it is created through the
admin API, which runs the descriptor's test endpoint against the real API. A full sync loses its
runtime to SIGKILL mid-way and resumes at the page it checkpointed; then the API changes and an
incremental sync carries the edit, the new post and the deletion into search; an operation runs as
an action.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests.chaos.harness import (
    ADMIN_TOKEN,
    CONNECTOR_TOKEN,
    REPO,
    Proc,
    Processes,
    eventually,
)
from tests.support.http import free_port
from tests.support.thirdparty import JsonServerFactory, json_server_factory, register_user

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

__all__ = ["json_server_factory"]  # the fixture, used by name

EXAMPLE = REPO / "descriptor" / "examples" / "json-server-posts.yaml"
POSTS = 240
PAGE = 10
EMAIL, PASSWORD = "reader@example.com", "correct horse battery staple"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _posts() -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "userId": 1 + i % 7,
            "title": f"Post number {i}",
            "body": f"Body of post {i}: the word token{i}x appears only here.",
            "updatedAt": _iso(T0 + timedelta(minutes=i)),
        }
        for i in range(1, POSTS + 1)
    ]


def _slow_descriptor(tmp_path: Path) -> Path:
    """The example, rate-limited to a few pages a second so a sync lasts long enough to be killed
    in the middle (the limit is the descriptor's own ``rate_limits``, enforced by the runtime)."""
    text = EXAMPLE.read_text()
    assert "limit: 50\n    interval_seconds: 1\n    burst: 10" in text
    text = text.replace(
        "limit: 50\n    interval_seconds: 1\n    burst: 10", "limit: 4\n    interval_seconds: 1"
    )
    path = tmp_path / "json-server-posts.yaml"
    path.write_text(text)
    return path


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update({"SLUICE_MANAGER_URL": url, "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN})
    return subprocess.run(
        [sys.executable, "-m", "sluice_cli.main", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _runtime_env(manager_port: int, port: int) -> dict[str, str]:
    return {
        "SLUICE_MANAGER_URL": f"http://127.0.0.1:{manager_port}",
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_PORT": str(port),
        "SLUICE_CONNECTOR_HOST": "127.0.0.1",
        "SLUICE_LISTEN_HOST": "127.0.0.1",
        "SLUICE_LOG_JSON": "true",
        "SLUICE_LOG_LEVEL": "info",
    }


async def _runtime(procs: Processes, manager_port: int, port: int, name: str) -> Proc:
    return await procs.start(
        name, ["-m", "sluice_connector_declarative"], _runtime_env(manager_port, port)
    )


def _events(proc: Proc, event: str) -> list[dict[str, Any]]:
    found = []
    for line in proc.output().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            found.append(record)
    return found


@pytest.fixture
async def procs(db_url: str, tmp_path: Path) -> AsyncIterator[Processes]:
    processes = Processes(db_url, tmp_path)
    try:
        yield processes
    finally:
        await processes.stop_all()


class Admin:
    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self.session = session
        self.url = f"http://127.0.0.1:{port}"
        self.headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(
            method, self.url + path, json=body, headers=self.headers
        ) as resp:
            return resp.status, await resp.json(content_type=None)


async def _latest_run(pool: asyncpg.Pool, source_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT * FROM sync_runs WHERE source_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
        source_id,
    )


async def _external_ids(pool: asyncpg.Pool, source_id: str) -> set[str]:
    rows = await pool.fetch("SELECT external_id FROM documents WHERE source_id = $1", source_id)
    return {r["external_id"] for r in rows}


async def _drained(pool: asyncpg.Pool, source_id: str) -> bool:
    pending = await pool.fetchval(
        "SELECT count(*) FROM event_queue WHERE source_id = $1"
        " AND status IN ('pending', 'processing')",
        source_id,
    )
    return pending == 0


def _patch(server_url: str, path: str, body: dict[str, Any], token: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        server_url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="PATCH",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


async def test_descriptor_to_search_with_kill_resume_incremental_deletion_and_action(
    procs: Processes,
    db_pool: asyncpg.Pool,
    json_server_factory: JsonServerFactory,
    tmp_path: Path,
) -> None:
    api = json_server_factory({"posts": _posts(), "comments": []}, permissions={"posts": 660})
    token = register_user(api, EMAIL, PASSWORD)
    # The runtime re-registers every 30 s (the SDK's default): keep the default 90 s registry TTL.
    _, manager_port = await procs.manager(SLUICE_REGISTRY_TTL_SECONDS="90")
    await procs.indexer()
    runtime_port = free_port()
    runtime = await _runtime(procs, manager_port, runtime_port, "runtime")
    manager_url = f"http://127.0.0.1:{manager_port}"
    descriptor = _slow_descriptor(tmp_path)

    # 1. validate, then push and publish, with the CLI.
    checked = _cli("descriptor", "validate", str(descriptor), url=manager_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    pushed = _cli("descriptor", "push", str(descriptor), "--publish", url=manager_url)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr

    async with aiohttp.ClientSession() as session:
        admin = Admin(session, manager_port)
        status, shown = await admin.call("GET", "/api/descriptors/json-server-posts/1.0.0")
        assert status == 200, shown
        assert shown["status"] == "published"

        async def online() -> bool:
            status, connectors = await admin.call("GET", "/api/connectors")
            return status == 200 and any("declarative" in c["source_types"] for c in connectors)

        await eventually(online, 30, "the declarative runtime to register", procs)

        # 2. a source pinned to the version; a wrong password fails the test endpoint upstream.
        source_body: dict[str, Any] = {
            "name": "posts",
            "descriptor": {"slug": "json-server-posts", "version": "1.0.0"},
            "config": {"base_url": api.base_url},
            "credentials": {
                "auth_type": "api_key",
                "credentials": {"email": EMAIL, "password": "wrong"},
            },
            "sync_interval_seconds": 86400,
        }
        status, refused = await admin.call("POST", "/api/sources", source_body)
        assert status == 422, refused
        assert refused["upstream_status"] == 400  # json-server-auth: "Incorrect password"
        source_body["credentials"]["credentials"]["password"] = PASSWORD
        status, source = await admin.call("POST", "/api/sources", source_body)
        assert status == 201, source
        source_id = source["id"]
        assert "password" not in json.dumps(source)

        # 3. a full sync, killed in the middle, resumes at its page.
        status, started = await admin.call(
            "POST", f"/api/sources/{source_id}/sync", {"sync_mode": "full"}
        )
        assert status in (200, 201, 202), started

        async def some_pages_done() -> bool:
            return len(_events(runtime, "stream_page")) >= 4

        await eventually(some_pages_done, 60, "a few pages of the full sync", procs)
        await runtime.kill()
        pages_before = [e for e in _events(runtime, "stream_page") if e.get("stream") == "posts"]
        run = await _latest_run(db_pool, source_id)
        assert run is not None
        assert run["status"] == "running"
        checkpoint = await db_pool.fetchval(
            "SELECT checkpoint FROM sync_runs WHERE id = $1", run["id"]
        )
        assert checkpoint, "the killed run saved no checkpoint"

        runtime2 = await _runtime(procs, manager_port, runtime_port, "runtime-2")

        async def finished() -> bool:
            latest = await _latest_run(db_pool, source_id)
            return latest is not None and latest["status"] != "running"

        await eventually(finished, 120, "the resumed run to finish", procs)
        latest = await _latest_run(db_pool, source_id)
        assert latest is not None
        assert (latest["id"], latest["status"]) == (run["id"], "completed"), procs.dump()
        pages_after = [e for e in _events(runtime2, "stream_page") if e.get("stream") == "posts"]
        assert pages_after, procs.dump()
        # The resumed run's first page is the one after the last checkpointed page, not page 1.
        assert pages_after[0]["page"] > 1
        assert pages_after[0]["page"] <= pages_before[-1]["page"] + 1
        fetched_twice = {e["page"] for e in pages_before} & {e["page"] for e in pages_after}
        assert len(fetched_twice) <= 1  # at most the page in flight when the runtime died

        await eventually(lambda: _drained(db_pool, source_id), 60, "the indexer", procs)
        expected = {f"post-{i}" for i in range(1, POSTS + 1)}
        assert await _external_ids(db_pool, source_id) == expected

        searched = _cli("search", "token37x", "--url", manager_url, "--json", url=manager_url)
        assert searched.returncode == 0, searched.stderr
        hits = json.loads(searched.stdout)["results"]
        assert [(h["external_id"], h["title"]) for h in hits] == [("post-37", "Post number 37")]

        # 4. the API changes: an edit, a deletion flag, a new post; an incremental sync.
        now = _iso(datetime.now(UTC))
        _patch(api.base_url, "/posts/5", {"body": "rewritten: zebrafinch", "updatedAt": now}, token)
        _patch(api.base_url, "/posts/7", {"deleted": True, "updatedAt": now}, token)
        status, created = await admin.call(
            "POST",
            f"/api/sources/{source_id}/actions/create_post",
            {
                "params": {
                    "title": "Fresh",
                    "body": "a brand new quetzal",
                    "userId": 2,
                    "updatedAt": now,
                }
            },
        )
        assert status == 200, created
        assert created["status"] == "success"
        new_id = created["result"]["body"]["id"]
        assert created["result"]["status"] == 201

        status, started = await admin.call(
            "POST", f"/api/sources/{source_id}/sync", {"sync_mode": "incremental"}
        )
        assert status in (200, 201, 202), started
        await eventually(finished, 60, "the incremental run", procs)
        incremental = await _latest_run(db_pool, source_id)
        assert incremental is not None
        assert incremental["status"] == "completed", procs.dump()
        assert incremental["id"] != run["id"]
        await eventually(lambda: _drained(db_pool, source_id), 60, "the indexer", procs)
        ids = await _external_ids(db_pool, source_id)
        assert ids == (expected - {"post-7"}) | {f"post-{new_id}"}
        incremental_pages = [
            e
            for e in _events(runtime2, "stream_page")
            if e.get("stream") == "posts" and e.get("sync_run_id") == incremental["id"]
        ]
        # Only the changed posts came back (the bookmark with its lookback), not all 24 pages.
        assert len(incremental_pages) in (1, 2)
        for word, external_id in (("zebrafinch", "post-5"), ("quetzal", f"post-{new_id}")):
            searched = _cli("search", word, "--url", manager_url, "--json", url=manager_url)
            hits = json.loads(searched.stdout)["results"]
            assert [h["external_id"] for h in hits] == [external_id], word
        searched = _cli("search", "token7x", "--url", manager_url, "--json", url=manager_url)
        assert json.loads(searched.stdout)["results"] == []  # the deleted post is gone

        # 5. a read operation as an action.
        status, got = await admin.call(
            "POST", f"/api/sources/{source_id}/actions/get_post", {"params": {"id": "5"}}
        )
        assert status == 200, got
        assert got["result"]["body"]["body"] == "rewritten: zebrafinch"
        # Parameters are checked against the operation's declared types before anything is sent.
        status, refused = await admin.call(
            "POST", f"/api/sources/{source_id}/actions/create_post", {"params": {"title": "x"}}
        )
        assert status == 400, refused
        assert "userId" in json.dumps(refused)
        assert len(api.db()["posts"]) == POSTS + 1
