"""Real processes for chaos tests: a manager (``python -m sluice_cli.main manager``), an
indexer and the chaos connector, each on 127.0.0.1 with its output in a log file. Every process
started here is stopped by the fixture that owns the ``Processes`` object, by its own pid."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import asyncpg

from tests.support.http import free_port, wait_for_json

REPO = Path(__file__).resolve().parents[2]
CONNECTOR_TOKEN = "chaos-connector-token"
ADMIN_TOKEN = "chaos-admin-token"


def manager_env(db_url: str, port: int, data_dir: Path) -> dict[str, str]:
    """Short intervals so that resumes and takeovers happen within seconds."""
    return {
        "SLUICE_DATABASE_URL": db_url,
        "SLUICE_HOST": "127.0.0.1",
        "SLUICE_PORT": str(port),
        "SLUICE_DATA_DIR": str(data_dir),
        "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_SCHEDULER_INTERVAL_SECONDS": "1",
        "SLUICE_REGISTRY_TTL_SECONDS": "3",
        "SLUICE_LEADER_RETRY_SECONDS": "1",
        "SLUICE_DISPATCH_ATTEMPT_TIMEOUT_SECONDS": "3",
        "SLUICE_DISPATCH_DEADLINE_SECONDS": "10",
        "SLUICE_DISPATCH_RETRY_BASE_SECONDS": "0.2",
        "SLUICE_DISPATCH_RETRY_JITTER_SECONDS": "0.1",
        "SLUICE_STATUS_POLL_TIMEOUT_SECONDS": "2",
        "SLUICE_LOG_LEVEL": "info",
        "SLUICE_LOG_JSON": "true",
    }


def connector_env(manager_port: int, port: int, log: Path) -> dict[str, str]:
    return {
        "SLUICE_MANAGER_URL": f"http://127.0.0.1:{manager_port}",
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_PORT": str(port),
        "SLUICE_CONNECTOR_HOST": "127.0.0.1",
        "SLUICE_LISTEN_HOST": "127.0.0.1",
        "SLUICE_LOG_JSON": "true",
        "CHAOS_LOG": str(log),
        "CHAOS_REGISTRATION_INTERVAL": "1",
    }


def indexer_env(db_url: str, data_dir: Path) -> dict[str, str]:
    return {
        "SLUICE_DATABASE_URL": db_url,
        "SLUICE_DATA_DIR": str(data_dir),
        "SLUICE_QUEUE_POLL_INTERVAL_SECONDS": "0.5",
        # Keep completed queue rows so the test can read them too.
        "SLUICE_COMPLETED_RETENTION_SECONDS": "3600",
        "SLUICE_LOG_JSON": "true",
    }


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    _log: TextIO | None = None

    async def start(self) -> None:
        self._log = self.log_path.open("a", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update(self.env)
        env["PYTHONPATH"] = str(REPO)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.args,
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, connections drop as in a crash."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        self._close_log()

    async def stop(self) -> None:
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(10):
                    await self.process.wait()
            except TimeoutError:
                await self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""


@dataclass
class Processes:
    """Starts the system's processes for one test and stops every one of them afterwards."""

    db_url: str
    workdir: Path
    started: list[Proc] = field(default_factory=list)

    async def _start(self, proc: Proc) -> Proc:
        self.started.append(proc)
        await proc.start()
        return proc

    async def start(
        self, name: str, args: list[str], env: dict[str, str], log: Path | None = None
    ) -> Proc:
        """Any process (``python <args>``), logging to ``log`` (default ``<workdir>/<name>.log``)
        and stopped with the others."""
        return await self._start(Proc(name, args, env, log or self.workdir / f"{name}.log"))

    async def manager(self, name: str = "manager", **overrides: str) -> tuple[Proc, int]:
        """A manager with the short intervals of ``manager_env``; ``overrides`` replace settings
        (``SLUICE_REGISTRY_TTL_SECONDS="90"`` for connectors that register every 30 s)."""
        port = free_port()
        data_dir = self.workdir / name
        data_dir.mkdir(exist_ok=True)
        env = {**manager_env(self.db_url, port, data_dir), **overrides}
        proc = await self.start(name, ["-m", "sluice_cli.main", "manager"], env)
        await wait_for_json(f"http://127.0.0.1:{port}/health", timeout=30)
        return proc, port

    async def connector(self, manager_port: int, port: int, name: str = "connector") -> Proc:
        return await self._start(
            Proc(
                name,
                ["-m", "tests.chaos.chaos_connector"],
                connector_env(manager_port, port, self.connector_log),
                self.workdir / f"{name}.log",
            )
        )

    async def indexer(self) -> Proc:
        return await self._start(
            Proc(
                "indexer",
                ["-m", "sluice_indexer"],
                indexer_env(self.db_url, self.workdir / "indexer"),
                self.workdir / "indexer.log",
            )
        )

    @property
    def connector_log(self) -> Path:
        return self.workdir / "connector-syncs.jsonl"

    def sync_starts(self) -> list[dict[str, Any]]:
        if not self.connector_log.exists():
            return []
        lines = self.connector_log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    async def stop_all(self) -> None:
        for proc in reversed(self.started):
            await proc.stop()

    def dump(self) -> str:
        """Every process's output, for the failure report."""
        return "\n".join(f"===== {p.name} =====\n{p.output()[-6000:]}" for p in self.started)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float, what: str, procs: Processes
) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}\n{procs.dump()}") from None


async def connector_online(pool: asyncpg.Pool, connector_id: str = "chaos") -> bool:
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM connectors WHERE connector_id = $1"
            " AND last_heartbeat_at > now() - interval '3 seconds'",
            connector_id,
        )
    )
