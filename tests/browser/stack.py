"""The running system the console is tried against: a manager process (serving the console), an
indexer, the filesystem connector and the SDK's ``notes`` test connector (which has a credentials
schema, for the secret tests), started with ``tests.chaos.harness`` on a database of their own.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from tests.chaos.harness import ADMIN_TOKEN, Processes, connector_env, manager_env
from tests.support.http import free_port, wait_for_json

# Unique words, so a search for them finds only the documents written here.
PHRASE = "periwinkle quokka lanterns"
HOSTILE_PHRASE = "mauve narwhal harbour"
# What the hostile documents would set if any of their markup ran in the console.
XSS_MARKER = "__xss"
# A tag Postgres's headline parser does not take for one (its attribute is unquoted), so it stays
# in the snippet as text: the console must escape it.
HOSTILE_IMG = f"<img src=x onerror=window.{XSS_MARKER}=(2)>"


def write_documents(folder: Path) -> Path:
    """A few text files, one with ``PHRASE``, and two hostile ones: a plain-text file whose text is
    markup between the words of ``HOSTILE_PHRASE`` (so that its snippet holds the markup), and an
    HTML page with real and escaped markup (extraction keeps neither in the text)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text(
        f"Meeting notes.\nThe {PHRASE} were ordered for the winter fair.\n", encoding="utf-8"
    )
    (folder / "recipes.md").write_text("# Recipes\n\nBread, soup and pie.\n", encoding="utf-8")
    (folder / "todo.txt").write_text("Buy milk. Call the plumber.\n", encoding="utf-8")
    (folder / "markup.txt").write_text(
        f"Mauve <script>window.{XSS_MARKER} = 1</script> narwhal {HOSTILE_IMG} harbour.\n",
        encoding="utf-8",
    )
    (folder / "page.html").write_text(
        "<!doctype html><html><head><title>Hostile page</title>"
        f"<script>window.{XSS_MARKER} = 3</script></head><body>"
        f"<p>{HOSTILE_PHRASE} shown as text: &lt;script&gt;window.{XSS_MARKER} = 4&lt;/script&gt;"
        f' and &lt;img src=x onerror="window.{XSS_MARKER} = 5"&gt; in a paragraph.</p>'
        f'<img src="x" onerror="window.{XSS_MARKER} = 6"></body></html>\n',
        encoding="utf-8",
    )
    return folder


async def clone_database(server_url: str, template: str) -> str:
    """A database of the stack's own, cloned from the session's migrated template (the per-test
    ``db_url`` fixture lives for one test; the stack lives for the whole package)."""
    name = f"b_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return name


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Stack:
    procs: Processes
    port: int
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """The admin API with the admin token: status and JSON body."""
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with self.session.request(method, self.url + path, json=body, headers=headers) as r:
            return r.status, await r.json(content_type=None)

    async def eventually(self, what: str, check: Any, timeout: float = 30) -> Any:
        """Poll the coroutine function ``check`` until it returns something truthy."""
        try:
            async with asyncio.timeout(timeout):
                while not (found := await check()):
                    await asyncio.sleep(0.1)
                return found
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}\n{self.procs.dump()}") from None

    def signal(self, name: str, signum: int) -> None:
        """Send a signal to the started process called ``name`` (by its own pid)."""
        for proc in self.procs.started:
            if proc.name == name and proc.process is not None and proc.running:
                proc.process.send_signal(signum)
                return
        raise AssertionError(f"no running process {name}")

    async def connectors_online(self, *names: str) -> bool:
        status, connectors = await self.api("GET", "/api/connectors")
        online = {c["connector_id"] for c in connectors if c["online"]} if status == 200 else set()
        return online >= set(names)

    async def filesystem_source(self, name: str, folder: Path) -> str:
        body = {
            "name": name,
            "source_type": "filesystem",
            "config": {"roots": [str(folder)]},
            "sync_interval_seconds": None,  # synced only when a test asks
        }
        status, created = await self.api("POST", "/api/sources", body)
        assert status == 201, created
        return str(created["id"])

    async def sync_to_completion(self, source_id: str, timeout: float = 30) -> dict[str, Any]:
        status, started = await self.api(
            "POST", f"/api/sources/{source_id}/sync", {"sync_mode": "full"}
        )
        assert status == 202, started
        run_id = started["sync_run_id"]

        async def finished() -> dict[str, Any] | None:
            _, run = await self.api("GET", f"/api/sync-runs/{run_id}")
            return run if run["status"] in ("completed", "failed", "cancelled") else None

        run: dict[str, Any] = await self.eventually(f"run {run_id} to end", finished, timeout)
        assert run["status"] == "completed", run
        return run

    async def searchable(self, phrase: str, source_id: str, count: int) -> list[dict[str, Any]]:
        """Wait until the indexer has made ``count`` documents of the source findable by
        ``phrase``; return the hits."""

        async def found() -> list[dict[str, Any]] | None:
            status, body = await self.api(
                "GET", f"/api/search?q={phrase.replace(' ', '+')}&source_id={source_id}"
            )
            hits = body["results"] if status == 200 else []
            return hits if len(hits) >= count else None

        hits: list[dict[str, Any]] = await self.eventually(f"{count} hits for {phrase}", found)
        return hits


async def start_stack(procs: Processes, session: aiohttp.ClientSession) -> Stack:
    """Every process is started at once (their imports overlap) and the connectors retry their
    registration until the manager answers."""
    port = free_port()
    data_dir = procs.workdir / "manager"
    data_dir.mkdir()
    # The connectors register every 30 s (the SDK's default): keep the 90 s registry TTL.
    manager = {**manager_env(procs.db_url, port, data_dir), "SLUICE_REGISTRY_TTL_SECONDS": "90"}
    await procs.start("manager", ["-m", "sluice_cli.main", "manager"], manager)
    await procs.indexer()
    await procs.start(
        "filesystem",
        ["-m", "sluice_connector_filesystem"],
        connector_env(port, free_port(), procs.workdir / "filesystem.jsonl"),
    )
    await procs.start(
        "notes",
        ["-m", "tests.mcp_server.notes_connector"],
        {
            **connector_env(port, free_port(), procs.workdir / "notes.jsonl"),
            "NOTES_REGISTRATION_INTERVAL": "1",
        },
    )
    stack = Stack(procs, port, session)
    await wait_for_json(f"{stack.url}/health", timeout=60)
    await stack.eventually(
        "the connectors to register",
        lambda: stack.connectors_online("filesystem", "notes"),
        timeout=60,
    )
    return stack
