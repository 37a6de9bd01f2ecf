"""CLI tests run the installed ``sluice`` console script (``.venv/bin/sluice``) as a process,
against a manager process (the chaos harness's ``Processes``) on the test's own database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.chaos.harness import ADMIN_TOKEN, CONNECTOR_TOKEN, Processes, eventually
from tests.support.http import free_port

SLUICE = Path(sys.executable).parent / "sluice"  # the console script pip installed


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


async def sluice(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    """``sluice ARGS`` with none of the caller's SLUICE_ variables, only ``env``'s."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    proc = await asyncio.create_subprocess_exec(
        str(SLUICE),
        *args,
        cwd=cwd,
        env=base | (env or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


@dataclass
class Stack:
    procs: Processes
    url: str
    pool: asyncpg.Pool

    @property
    def env(self) -> dict[str, str]:
        """The manager as an operator's shell would name it."""
        return {"SLUICE_URL": self.url, "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN}

    async def run(self, *args: str) -> Result:
        return await sluice(*args, env=self.env)

    async def start_filesystem_connector(self) -> None:
        """The filesystem connector process, registered (online) when this returns."""
        port = free_port()
        await self.procs.start(
            "filesystem",
            ["-m", "sluice_connector_filesystem"],
            {
                "SLUICE_MANAGER_URL": self.url,
                "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
                "SLUICE_CONNECTOR_ID": "filesystem",
                "SLUICE_CONNECTOR_HOST": "127.0.0.1",
                "SLUICE_LISTEN_HOST": "127.0.0.1",
                "PORT": str(port),
                "SLUICE_LOG_JSON": "true",
            },
        )

        async def registered() -> bool:
            return bool(
                await self.pool.fetchval(
                    "SELECT count(*) FROM connectors WHERE connector_id = 'filesystem'"
                )
            )

        await eventually(registered, 60, "the filesystem connector to register", self.procs)


@pytest.fixture
async def stack(db_url: str, db_pool: asyncpg.Pool, tmp_path: Path) -> AsyncIterator[Stack]:
    """A manager (the connectors re-register every 30 s: the default 90 s registry TTL)."""
    processes = Processes(db_url, tmp_path)
    try:
        _, port = await processes.manager(SLUICE_REGISTRY_TTL_SECONDS="90")
        yield Stack(processes, f"http://127.0.0.1:{port}", db_pool)
    finally:
        await processes.stop_all()
