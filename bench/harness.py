"""Benchmark plumbing: one Postgres for the whole run, child processes, CPU and memory sampling."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
import psutil

from bench import rss
from sluice_sdk.tasks import cancel_and_wait
from sluice_sql.embedded import EmbeddedPostgres, database_url, ensure_database
from sluice_sql.migrate import migrate_url

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def bench_server() -> Iterator[str]:
    """A server URL: SLUICE_BENCH_DATABASE_URL, else an embedded server with default settings."""
    explicit = os.environ.get("SLUICE_BENCH_DATABASE_URL")
    if explicit:
        yield explicit
        return
    with tempfile.TemporaryDirectory(prefix="sluice-bench-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        server.start()
        try:
            yield server.url()
        finally:
            server.stop()


async def fresh_database(server_url: str, name: str) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    await ensure_database(server_url, name)
    url = database_url(server_url, name)
    await migrate_url(url)
    return url


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    peak_rss: int = 0
    samples: list[int] = field(default_factory=list)

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.popen.pid)

    def sample(self) -> None:
        # The whole process tree, recorded under this role for the run's summary (bench.rss).
        self.peak_rss = max(self.peak_rss, rss.sample(self.name, self.popen.pid))

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def spawn(name: str, args: list[str], env: dict[str, str], quiet: bool = True) -> Proc:
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    popen = subprocess.Popen(
        [sys.executable, *args],
        env=full_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    return Proc(name, popen)


async def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(url)
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def sampling(procs: list[Proc], every: float = 0.2) -> AsyncIterator[None]:
    """Sample RSS of ``procs`` in the background while the block runs."""

    async def loop() -> None:
        while True:
            for proc in procs:
                proc.sample()
            await asyncio.sleep(every)

    task = asyncio.create_task(loop(), name="rss-sampler")
    try:
        yield
    finally:
        await cancel_and_wait(task)


def line(
    name: str, sluice: float, raw: float | None, unit: str, higher_is_better: bool = True
) -> str:
    if raw is None:
        return f"{name:<44} sluice {sluice:>12,.1f} {unit:<10}"
    ratio = (sluice / raw) if higher_is_better else (raw / sluice if sluice else float("inf"))
    return (
        f"{name:<44} sluice {sluice:>12,.1f} {unit:<10} raw {raw:>12,.1f} {unit:<10} "
        f"ratio {ratio:5.2f}"
    )
