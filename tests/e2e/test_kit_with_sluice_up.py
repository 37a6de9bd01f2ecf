"""The connector kit's promise, end to end: `sluice connector new` for a code and a declarative
connector, then each one, as generated, syncs into search under `sluice up`.

The source API is a small paginated JSON API started here, in the shapes the generated code and
descriptor expect: ``{"items": [...], "next": url}``, and ``{"items": [...]}`` paged by
``page``/``per_page``. The code connector runs as its own process with the connector token
`sluice up` generated; the declarative one is pushed to the catalog and served by the declarative
runtime `sluice up` started.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.e2e.test_sluice_up import Up
from tests.e2e.up_support import fresh_data_dir, up_port
from tests.support.http import free_port, wait_for_json

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
RECORDS = [
    {"id": i, "title": f"Record {i}", "body": f"the word kitword{i}z lives in record {i}"}
    for i in range(1, 8)
]


def _source_api() -> web.Application:
    async def items(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        size = int(request.query.get("per_page", "50"))
        chunk = RECORDS[(page - 1) * size : page * size]
        if request.path == "/notes":  # the generated descriptor pages by number over "items"
            return web.json_response({"items": chunk})
        more = page * size < len(RECORDS)
        nxt = str(request.url.with_query(page=str(page + 1), per_page=str(size))) if more else None
        return web.json_response({"items": chunk, "next": nxt})

    app = web.Application()
    app.router.add_get("/items", items)
    app.router.add_get("/notes", items)
    return app


@pytest.fixture
async def source_api() -> AsyncIterator[str]:
    runner = web.AppRunner(_source_api())
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _sluice(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sluice_cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _admin(session: aiohttp.ClientSession, up: Up, method: str, path: str, body: Any = None):
    headers = {"Authorization": f"Bearer {up.token}"}
    async with session.request(method, up.url + path, json=body, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def _wait_hits(session: aiohttp.ClientSession, up: Up, word: str, source_id: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status, found = await _admin(session, up, "GET", f"/api/search?q={word}")
        hits = [h for h in found.get("results", []) if h["source_id"] == source_id]
        if status == 200 and hits:
            return
        await asyncio.sleep(0.5)
    _, runs = await _admin(session, up, "GET", f"/api/sync-runs?source_id={source_id}")
    raise AssertionError(f"{word!r} of source {source_id} not searchable within 90 s: {runs}")


async def test_generated_connectors_sync_into_search_under_sluice_up(
    tmp_path: Path, source_api: str
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "README.md").write_text("# A project\n")
    work = tmp_path / "work"
    work.mkdir()
    with fresh_data_dir() as data_dir:
        up = Up(root, data_dir, up_port())
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update({"SLUICE_DATA_DIR": str(data_dir), "SLUICE_MANAGER_URL": up.url})
        connector: subprocess.Popen[bytes] | None = None
        try:
            await wait_for_json(up.url + "/health", timeout=90)
            for args in (
                ("--name", "acme", "--kind", "code"),
                ("--name", "notes", "--kind", "declarative"),
            ):
                made = _sluice(
                    "connector", "new", *args, "--auth-types", "none",
                    "--api-endpoints", f"GET /{'items' if args[1] == 'acme' else 'notes'}",
                    "--output", str(work), env=env, cwd=work,
                )  # fmt: skip
                assert made.returncode == 0, made.stderr
                reviewed = _sluice("connector", "review", str(work / args[1]), env=env, cwd=work)
                assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr

            # The code connector, as generated, with the connector token sluice up made.
            port = free_port()
            connector = subprocess.Popen(
                [sys.executable, "-m", "sluice_connector_acme"],
                env={
                    **env,
                    "PYTHONPATH": str(work / "acme" / "src"),
                    "SLUICE_CONNECTOR_TOKEN": (data_dir / "connector_token").read_text().strip(),
                    "PORT": str(port),
                    "SLUICE_LISTEN_HOST": "127.0.0.1",
                    "SLUICE_CONNECTOR_HOST": "127.0.0.1",
                },
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            async with aiohttp.ClientSession() as session:
                deadline = time.monotonic() + 60
                while True:
                    _, connectors = await _admin(session, up, "GET", "/api/connectors")
                    if any("acme" in c["source_types"] for c in connectors):
                        break
                    assert time.monotonic() < deadline, "the generated connector never registered"
                    await asyncio.sleep(0.5)
                status, code_source = await _admin(
                    session,
                    up,
                    "POST",
                    "/api/sources",
                    {"name": "acme", "source_type": "acme", "config": {"base_url": source_api}},
                )
                assert status == 201, code_source
                await _admin(
                    session,
                    up,
                    "POST",
                    f"/api/sources/{code_source['id']}/sync",
                    {"sync_mode": "full"},
                )
                await _wait_hits(session, up, "kitword7z", code_source["id"])

                # The declarative connector, as generated: pushed, pinned, synced by the runtime.
                pushed = _sluice(
                    "descriptor", "push", str(work / "notes" / "notes.yaml"), "--publish",
                    env=env, cwd=work,
                )  # fmt: skip
                assert pushed.returncode == 0, pushed.stdout + pushed.stderr
                descriptor = yaml_metadata(work / "notes" / "notes.yaml")
                status, pinned = await _admin(
                    session,
                    up,
                    "POST",
                    "/api/sources",
                    {
                        "name": "notes",
                        "descriptor": descriptor,
                        "config": {"base_url": source_api},
                    },
                )
                assert status == 201, pinned
                await _admin(
                    session, up, "POST", f"/api/sources/{pinned['id']}/sync", {"sync_mode": "full"}
                )
                await _wait_hits(session, up, "kitword3z", pinned["id"])
        finally:
            if connector is not None:
                connector.terminate()
                connector.wait(timeout=10)
            up.interrupt()


def yaml_metadata(path: Path) -> dict[str, str]:
    """The slug and version of a descriptor file, read with the project's own loader."""
    from sluice_descriptor import load_path

    validation = load_path(path)
    assert validation.descriptor is not None, json.dumps([p.as_dict() for p in validation.problems])
    meta = validation.descriptor.metadata
    return {"slug": meta.slug, "version": meta.version}
