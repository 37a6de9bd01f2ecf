"""`sluice up` as a newcomer runs it (`make run`): real processes over real HTTP.

Embedded Postgres, manager, indexer and the filesystem connector; the demo source over the project's
docs syncs and `sluice search` finds a known phrase. Then a second, bigger sync loses its connector
to SIGKILL mid-run: the supervisor restarts the connector, the monitor resumes the run, and it
completes. Ctrl-C stops everything, and a second `sluice up` reuses the data.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest

from sluice_sql.embedded import read_running_server
from tests.e2e.up_support import up_port
from tests.support.http import wait_for_json

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHRASE = "quokka ledger reconciles turnips"


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "README.md").write_text(f"# Demo project\n\nOur {PHRASE} every morning.\n")
    (root / "docs" / "guide.md").write_text("# Guide\n\nNothing about marsupials here.\n")
    return root


class Up:
    def __init__(self, root: Path, data_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update(
            {
                "SLUICE_DATA_DIR": str(data_dir),
                "SLUICE_PORT": str(port),
                # Short ticks so the monitor notices the lost run within seconds.
                "SLUICE_SCHEDULER_INTERVAL_SECONDS": "1",
                "SLUICE_LOG_LEVEL": "warning",
            }
        )
        self.url = f"http://127.0.0.1:{port}"
        self.early = ""
        self.data_dir = data_dir
        self.env = env
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sluice_cli.main", "up"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    @property
    def token(self) -> str:
        return (self.data_dir / "admin_token").read_text().strip()

    def wait_banner(self) -> None:
        """Read the output up to the end of the banner, printed once every process runs."""
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.early += raw.decode(errors="replace")
            if raw.strip() == b"Press Ctrl-C to stop.":
                return

    def interrupt(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=60)
        return self.early + out.decode(errors="replace")

    def connector_pid(self) -> int:
        for child in psutil.Process(self.proc.pid).children():
            if "sluice_connector_filesystem" in " ".join(child.cmdline()):
                return child.pid
        raise AssertionError("no filesystem connector process")


@pytest.fixture
async def api() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _get(api: aiohttp.ClientSession, up: Up, path: str) -> Any:
    headers = {"Authorization": f"Bearer {up.token}"}
    async with api.get(up.url + path, headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def _wait_run(
    api: aiohttp.ClientSession, up: Up, source_id: str, predicate: Any, timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in await _get(api, up, f"/api/sync-runs?source_id={source_id}"):
            if predicate(run):
                return dict(run)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no run matched within {timeout} s")


def _search(up: Up, query: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "sluice_cli.main", "search", query, "--url", up.url, "--json"],
        env=up.env,
        capture_output=True,
        check=True,
    )
    hits: list[dict[str, Any]] = json.loads(result.stdout)["results"]
    return hits


async def _wait_search(up: Up, query: str, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hits = _search(up, query)
        if hits:
            return hits
        await asyncio.sleep(0.3)
    raise AssertionError(f"{query!r} not found within {timeout} s")


def _postgres_left(data_dir: Path) -> list[int]:
    pids = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["status"] != psutil.STATUS_ZOMBIE and str(data_dir / "pg") in cmdline:
            pids.append(proc.pid)
    return pids


async def test_whole_system_demo_search_and_connector_kill(
    tmp_path: Path, api: aiohttp.ClientSession
) -> None:
    root = _project(tmp_path)
    data_dir = tmp_path / "data"
    up = Up(root, data_dir, up_port())
    try:
        assert await wait_for_json(up.url + "/health", timeout=90) == {
            "status": "ok",
            "database": "ok",
        }
        # The demo source appears and its first sync completes; the phrase becomes searchable.
        deadline = time.monotonic() + 60
        sources: list[dict[str, Any]] = []
        while not sources and time.monotonic() < deadline:
            sources = await _get(api, up, "/api/sources")
            await asyncio.sleep(0.2)
        [demo] = sources
        await _wait_run(api, up, demo["id"], lambda r: r["status"] == "completed")
        hits = await _wait_search(up, PHRASE)
        assert hits[0]["external_id"] == "README.md"
        # Each connector registered and synced with a scoped token of its own (§2), not the
        # shared connector token.
        scoped = await _get(api, up, "/api/connector-tokens")
        assert {(t["connector_id"], tuple(t["source_types"])) for t in scoped} == {
            ("filesystem", ("filesystem",)),
            ("declarative", ("declarative",)),
        }
        assert all(t["last_used_at"] is not None and t["revoked_at"] is None for t in scoped)

        # A second sync with enough files to be killed half way through.
        for i in range(2500):
            (root / "docs" / f"note-{i:05d}.md").write_text(f"Note {i} about field work.\n")
        headers = {"Authorization": f"Bearer {up.token}"}
        async with api.post(
            f"{up.url}/api/sources/{demo['id']}/sync", json={"sync_mode": "full"}, headers=headers
        ) as resp:
            assert resp.status == 202, await resp.text()
            run_id = (await resp.json())["sync_run_id"]
        await _wait_run(
            api, up, demo["id"], lambda r: r["id"] == run_id and r["documents_emitted"] > 0
        )
        os.kill(up.connector_pid(), signal.SIGKILL)

        done = await _wait_run(
            api, up, demo["id"], lambda r: r["id"] == run_id and r["status"] != "running"
        )
        assert done["status"] == "completed", done
        hits = await _wait_search(up, '"note 2499"')
        assert hits[0]["external_id"] == "docs/note-02499.md"
    finally:
        output = up.interrupt()
    assert up.proc.returncode == 0, output
    assert "filesystem connector exited" in output
    assert "filesystem connector restarted" in output
    assert read_running_server(data_dir / "pg") is None
    assert _postgres_left(data_dir) == []

    # A second `sluice up` reuses the data: same demo source, still searchable.
    again = Up(root, data_dir, up_port())
    try:
        await wait_for_json(again.url + "/health", timeout=90)
        again.wait_banner()
        await asyncio.sleep(0)
        assert [s["id"] for s in await _get(api, again, "/api/sources")] == [demo["id"]]
        # The banner gives the console and its login; the sluice commands find the manager in
        # the data directory without being told (issue 17).
        assert f"  console     {again.url}/ui/\n" in again.early
        assert f"  admin login {again.token}  " in again.early
        assert (data_dir / "manager.json").stat().st_mode & 0o777 == 0o600
        listed = subprocess.run(
            [str(Path(sys.executable).parent / "sluice"), "sources", "list", "--json"],
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")},
                "SLUICE_DATA_DIR": str(data_dir),
            },
            capture_output=True,
            check=True,
        )
        assert [s["id"] for s in json.loads(listed.stdout)] == [demo["id"]]
        # The connectors' scoped tokens are kept in the data directory and reused.
        kept = await _get(api, again, "/api/connector-tokens")
        assert {t["id"] for t in kept} == {t["id"] for t in scoped}
        assert (await _wait_search(again, PHRASE))[0]["external_id"] == "README.md"
    finally:
        output = again.interrupt()
    assert again.proc.returncode == 0, output
    assert "existing" in output
    assert _postgres_left(data_dir) == []
