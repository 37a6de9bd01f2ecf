"""``sluice runs --follow`` against a stand-in progress stream: a stream that closes before its
``end`` event is opened again, and a run that fails exits 1 with its error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.cli.conftest import sluice

pytestmark = pytest.mark.timeout(120)


def _run(status: str, n: int, error: str | None = None) -> dict[str, Any]:
    return {
        "id": "R1",
        "source_id": "S1",
        "sync_type": "full",
        "status": status,
        "documents_scanned": n,
        "documents_emitted": n,
        "documents_processed": n,
        "documents_updated": 0,
        "error_message": error,
    }


async def test_follow_reconnects_and_reports_a_failed_run(tmp_path: Path) -> None:
    streams: list[str] = []

    async def progress(request: web.Request) -> web.StreamResponse:
        assert request.headers["Authorization"] == "Bearer t"
        streams.append(request.match_info["id"])
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if len(streams) == 1:  # the first stream closes early, as when a manager restarts
            await response.write(
                f"event: progress\ndata: {json.dumps(_run('running', 3))}\n\n".encode()
            )
        else:
            failed = _run("failed", 7, "connector said no")
            await response.write(f"event: end\ndata: {json.dumps(failed)}\n\n".encode())
        await response.write_eof()
        return response

    async def one_run(request: web.Request) -> web.Response:
        return web.json_response(_run("running", 3))

    app = web.Application()
    app.router.add_get("/api/sync-runs/{id}/progress", progress)
    app.router.add_get("/api/sync-runs/{id}", one_run)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url(""))
        result = await sluice("runs", "R1", "--follow", "--url", url, "--token", "t", cwd=tmp_path)
        assert streams == ["R1", "R1"]
        assert result.code == 1
        assert result.out == "run R1 failed: scanned 7 · emitted 7 · processed 7 · updated 0\n"
        assert result.err == "error: connector said no\n"
        as_json = await sluice(
            "runs", "R1", "--follow", "--json", "--url", url, "--token", "t", cwd=tmp_path
        )
    assert as_json.code == 1
    assert [json.loads(line)["status"] for line in as_json.out.splitlines()] == ["failed"]


async def test_follow_of_an_unknown_run_is_a_refusal(tmp_path: Path) -> None:
    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"error": "sync run R9 not found"}, status=404)

    app = web.Application()
    app.router.add_get("/api/sync-runs/{id}/progress", missing)
    async with TestServer(app, host="127.0.0.1") as server:
        result = await sluice(
            "runs", "R9", "--follow", "--url", str(server.make_url("")), "--token", "t",
            cwd=tmp_path,
        )  # fmt: skip
    assert result.code == 1
    assert result.err == "runs failed: HTTP 404: sync run R9 not found\n"
