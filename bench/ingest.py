"""Ingest: ``POST /sdk/events/batch`` (100 × 2 KB, auth and validation on) vs raw aiohttp + COPY."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import asyncpg

from bench.fixtures import CONNECTOR_TOKEN, manager_env, source_with_running_run
from bench.harness import ROOT, free_port, line, sampling, spawn, wait_http

BATCH = 100


async def loadgen(cfg: dict[str, object]) -> dict[str, object]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        json.dumps(cfg),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    result: dict[str, object] = json.loads(out)
    return result


async def raw_tables(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute((Path(__file__).with_name("raw_tables.sql")).read_text())
    finally:
        await conn.close()


def raw_load(port: int, batches: int, prefix: str) -> dict[str, object]:
    """Load generator settings for the raw ingest handler on ``port``."""
    return {
        "url": f"http://127.0.0.1:{port}/batch",
        "batches": batches,
        "batch_size": BATCH,
        "source_id": "raw",
        "sync_run_id": "raw",
        "prefix": prefix,
    }


def sluice_load(
    port: int, batches: int, prefix: str, source_id: str, run_id: str
) -> dict[str, object]:
    """Load generator settings for the manager's ``POST /sdk/events/batch`` on ``port``."""
    return {
        "url": f"http://127.0.0.1:{port}/sdk/events/batch",
        "token": CONNECTOR_TOKEN,
        "batches": batches,
        "batch_size": BATCH,
        "source_id": source_id,
        "sync_run_id": run_id,
        "prefix": prefix,
    }


async def measure_raw(url: str, batches: int, prefix: str) -> float:
    port = free_port()
    server = spawn("raw-ingest", ["-m", "bench.raw_ingest", str(port), url], {})
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        result = await loadgen(raw_load(port, batches, prefix))
    finally:
        server.stop()
    assert result["statuses"] == {"200": batches}, result
    return float(result["docs"]) / float(result["seconds"])  # type: ignore[arg-type]


async def measure_sluice(url: str, batches: int, prefix: str) -> float:
    source_id, run_id = await source_with_running_run(url)
    port = free_port()
    manager = spawn("manager", ["-m", "sluice_cli.main", "manager"], manager_env(url, port))
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        async with sampling([manager]):
            result = await loadgen(sluice_load(port, batches, prefix, source_id, run_id))
    finally:
        manager.stop()
    assert result["statuses"] == {"200": batches}, result
    return float(result["docs"]) / float(result["seconds"])  # type: ignore[arg-type]


async def run(url: str, batches: int = 300, rounds: int = 3) -> list[str]:
    await raw_tables(url)
    raw: list[float] = []
    sluice: list[float] = []
    for i in range(rounds):
        raw.append(await measure_raw(url, batches, f"r{i}"))
        sluice.append(await measure_sluice(url, batches, f"s{i}"))
    best_raw, best_sluice = sorted(raw)[rounds // 2], sorted(sluice)[rounds // 2]
    return [line("ingest events/batch (100 x 2 KB), docs/s", best_sluice, best_raw, "docs/s")]
