"""End to end, emit → searchable: Sluice (manager + indexer processes) vs the raw pipeline
(raw ingest handler + raw SQL indexers), same number of indexer processes; plus latency."""

from __future__ import annotations

import asyncio
import statistics
import time

import aiohttp
import asyncpg

from bench.corpus import TextGenerator
from bench.fixtures import CONNECTOR_TOKEN, manager_env, source_with_running_run
from bench.harness import Proc, free_port, line, sampling, spawn, wait_http
from bench.ingest import loadgen, raw_load, raw_tables, sluice_load

# Polled every 20 ms until false: EXISTS probes of the partial indexes, so watching for the end
# costs the database next to nothing (a count(*) here was ~15 % of the run's database time).
OPEN_RAW = (
    "SELECT EXISTS (SELECT 1 FROM raw_event_queue WHERE status = 'pending')"
    " OR EXISTS (SELECT 1 FROM raw_event_queue WHERE status = 'processing')"
)
OPEN_SLUICE = (
    "SELECT EXISTS (SELECT 1 FROM event_queue WHERE status = 'pending')"
    " OR EXISTS (SELECT 1 FROM event_queue WHERE status = 'processing')"
)
# Each Sluice round starts from empty tables, as each raw round does (raw_tables.sql).
RESET_SLUICE = "TRUNCATE documents, document_tombstones, event_queue"
ROUNDS = 3


async def _drained(url: str, query: str, timeout: float = 600) -> float:
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout
        while await conn.fetchval(query):
            if time.monotonic() > deadline:
                raise TimeoutError("queue did not drain")
            await asyncio.sleep(0.02)
        return time.perf_counter()
    finally:
        await conn.close()


async def _store_contents(port: int, run_id: str, count: int = 64) -> list[str]:
    gen = TextGenerator(seed=5)
    headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}
    ids = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(count):
            body = {"sync_run_id": run_id, "content": gen.text(2048)}
            async with session.post(f"http://127.0.0.1:{port}/sdk/content", json=body) as resp:
                ids.append((await resp.json())["content_id"])
    return ids


async def raw_pipeline(url: str, workers: int, batches: int, prefix: str) -> float:
    await raw_tables(url)
    port = free_port()
    procs = [spawn("raw-ingest", ["-m", "bench.raw_ingest", str(port), url], {})]
    procs += [
        spawn("raw-indexer", ["-m", "bench.raw_indexer", url, "500"], {}) for _ in range(workers)
    ]
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        started = time.perf_counter()
        result = await loadgen(raw_load(port, batches, prefix))
        finished = await _drained(url, OPEN_RAW)
    finally:
        for proc in procs:
            proc.stop()
    return float(result["docs"]) / (finished - started)  # type: ignore[arg-type]


async def sluice_pipeline(
    url: str, workers: int, batches: int, prefix: str
) -> tuple[float, list[Proc]]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(RESET_SLUICE)
    finally:
        await conn.close()
    source_id, run_id = await source_with_running_run(url)
    port = free_port()
    env = manager_env(url, port)
    manager = spawn("manager", ["-m", "sluice_cli.main", "manager"], env)
    indexers = [spawn("indexer", ["-m", "sluice_indexer"], env) for _ in range(workers)]
    procs = [manager, *indexers]
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        content_ids = await _store_contents(port, run_id)
        async with sampling(procs):
            started = time.perf_counter()
            config = sluice_load(port, batches, prefix, source_id, run_id)
            result = await loadgen({**config, "content_ids": content_ids})
            finished = await _drained(url, OPEN_SLUICE)
    finally:
        for proc in procs:
            proc.stop()
    return float(result["docs"]) / (finished - started), procs  # type: ignore[arg-type]


async def latency(url: str, samples: int = 200, gap: float = 0.02) -> tuple[float, float]:
    """p50/p99 ms from the POST of a one-event batch until the document row exists."""
    source_id, run_id = await source_with_running_run(url)
    port = free_port()
    env = manager_env(url, port)
    procs = [
        spawn("manager", ["-m", "sluice_cli.main", "manager"], env),
        spawn("indexer", ["-m", "sluice_indexer"], env),
    ]
    observed: list[float] = []
    try:
        await wait_http(f"http://127.0.0.1:{port}/health")
        [content_id] = await _store_contents(port, run_id, 1)
        conn = await asyncpg.connect(url)
        headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            for i in range(samples):
                doc = {
                    "type": "document_created",
                    "sync_run_id": run_id,
                    "source_id": source_id,
                    "document_id": f"lat-{i}",
                    "content_id": content_id,
                    "metadata": {"title": f"latency {i}"},
                    "permissions": {"public": True, "users": [], "groups": []},
                }
                body = {"sync_run_id": run_id, "source_id": source_id, "events": [doc]}
                sent = time.perf_counter()
                async with session.post(
                    f"http://127.0.0.1:{port}/sdk/events/batch", json=body
                ) as r:
                    await r.read()
                while not await conn.fetchval(
                    "SELECT 1 FROM documents WHERE source_id = $1 AND external_id = $2",
                    source_id,
                    f"lat-{i}",
                ):
                    await asyncio.sleep(0.001)
                observed.append((time.perf_counter() - sent) * 1000)
                await asyncio.sleep(gap)
        await conn.close()
    finally:
        for proc in procs:
            proc.sample()  # one reading at the end keeps the sampler out of the latency loop
            proc.stop()
    observed.sort()
    return statistics.median(observed), observed[int(len(observed) * 0.99) - 1]


async def run(url: str, batches: int = 200) -> list[str]:
    """Each figure is the median of ``ROUNDS`` rounds, raw and Sluice alternating."""
    lines = []
    peak: dict[str, int] = {}
    for workers in (1, 2):
        raws: list[float] = []
        sluices: list[float] = []
        for r in range(ROUNDS):
            raws.append(await raw_pipeline(url, workers, batches, f"raw{workers}-{r}"))
            sluice, procs = await sluice_pipeline(url, workers, batches, f"sl{workers}-{r}")
            sluices.append(sluice)
            for proc in procs:
                peak[proc.name] = max(peak.get(proc.name, 0), proc.peak_rss)
        raw, sluice = statistics.median(raws), statistics.median(sluices)
        lines.append(
            f"# end to end, {workers} indexer(s), rounds: sluice "
            + " ".join(f"{v:,.0f}" for v in sluices)
            + "; raw "
            + " ".join(f"{v:,.0f}" for v in raws)
        )
        lines.append(line(f"end to end, {workers} indexer(s), docs/s", sluice, raw, "docs/s"))
    p50, p99 = await latency(url)
    lines.append(line("emit -> searchable p50 (target <= 50)", p50, None, "ms"))
    lines.append(line("emit -> searchable p99 (target <= 250)", p99, None, "ms"))
    for name, rss in sorted(peak.items()):
        lines.append(line(f"peak RSS {name} (target < 200)", rss / 2**20, None, "MiB"))
    return lines
