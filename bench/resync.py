"""Re-sync of unchanged content: a full sync of 100,000 documents, then the same full sync again.

Real processes: the manager, one indexer and a connector-like load generator
(``bench/resync_connector.py``, its own process) that speaks the wire protocol as a connector's
full run does: ``POST /sdk/content`` for a document's text, then the document events in batches
of 100 through ``POST /sdk/events/batch``, 4 requests in flight. The bench opens each run with
``POST /sdk/sync/create`` and completes it with ``/complete``; the source's connector declares
``full_sync_enumerates_all`` (the bench process serves its ``/health`` and heartbeats), so
completion requests the pruning sweep. 100,000 distinct ~2 KB English texts; 60 % of the
documents public, the rest shared with a user and a group.

Each run starts after a CHECKPOINT and is measured in phases, each in wall time, CPU seconds
(manager, indexer, Postgres, connector) and WAL bytes (``pg_current_wal_lsn()`` difference; the
server is this benchmark's own):

* texts: the first SAMPLE documents' texts through ``POST /sdk/content`` (what a connector that
  uploads every text pays per document; the other texts are written into ``content_blobs`` by
  the bench before the first run, because 100,000 uploads would take most of the bench's time);
* events → indexed → swept: every document's event, until the queue is empty (sweep included);
* vacuum: ``VACUUM (ANALYZE)`` of what the run wrote, so autovacuum's work lands in the run
  that caused it.

Printed: each phase for both runs with the ratio second/first, the target line (≤ 0.20, the worse
of wall time and WAL, over events + sweep + vacuum, and over the whole run with the texts' cost
scaled to every document), and the peak RSS of manager and indexer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import psutil
from aiohttp import web

from bench.fixtures import CONNECTOR_TOKEN, manager_env
from bench.harness import ROOT, Proc, free_port, sampling, spawn, wait_http
from bench.resync_connector import texts_of
from sluice_manager.ids import new_id
from sluice_sdk.tasks import cancel_and_wait

DOCS = 100_000
SOURCE_TYPE = "bench_resync"
TARGET = 0.20
# Texts stored through the API (their cost per document is measured on this many); the rest are
# written into content_blobs by the bench before the first run, as the API would store them.
SAMPLE = 3_000
VACUUMED = "documents, event_queue, content_blobs, unchanged_events, document_tombstones, sync_runs"

OPEN_QUEUE = (
    "SELECT EXISTS (SELECT 1 FROM event_queue WHERE status = 'pending')"
    " OR EXISTS (SELECT 1 FROM event_queue WHERE status = 'processing')"
)


# -- the benchmark ------------------------------------------------------------------------------


@dataclass
class Phase:
    seconds: float
    wal_bytes: int
    # CPU seconds of the manager, the indexer, Postgres and the connector: what the phase cost
    # the machine, which other load on it changes far less than it changes wall time.
    cpu: float

    def __add__(self, other: Phase) -> Phase:
        return Phase(
            self.seconds + other.seconds, self.wal_bytes + other.wal_bytes, self.cpu + other.cpu
        )

    def scaled(self, factor: float) -> Phase:
        return Phase(self.seconds * factor, int(self.wal_bytes * factor), self.cpu * factor)


@dataclass
class Run:
    texts: Phase  # SAMPLE documents' texts through POST /sdk/content
    events: Phase  # every document's event, indexed, then the sweep
    vacuum: Phase  # VACUUM of what the run wrote

    def whole(self, docs: int) -> Phase:
        """Events, sweep and vacuum, plus the sample's text uploads scaled to every document."""
        return self.events + self.vacuum + self.texts.scaled(docs / SAMPLE)


async def _connector_process(cfg: dict[str, Any]) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.resync_connector",
        json.dumps(cfg),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    result: dict[str, Any] = json.loads(out)
    if set(result["statuses"]) != {"200"}:
        raise RuntimeError(f"connector requests failed: {result['statuses']}")
    return result


@contextlib.asynccontextmanager
async def _online_connector(manager: str) -> AsyncIterator[None]:
    """A connector for SOURCE_TYPE that declares full_sync_enumerates_all: its /health served
    here, registered now and every 20 s (the registry forgets it after 90 s of silence)."""
    app = web.Application()

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "healthy", "service": "resync"})

    app.router.add_get("/health", health)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    manifest = {
        "name": "resync",
        "version": "1.0.0",
        "connector_id": "bench-resync",
        "connector_url": f"http://127.0.0.1:{port}",
        "source_types": [SOURCE_TYPE],
        "sync_modes": ["full"],
        "full_sync_enumerates_all": True,
    }
    headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}

    async def register(http: aiohttp.ClientSession) -> None:
        async with http.post(f"{manager}/sdk/register", json=manifest, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"register: {resp.status} {await resp.text()}")

    async def heartbeat(http: aiohttp.ClientSession) -> None:
        while True:
            await asyncio.sleep(20)
            await register(http)

    async with aiohttp.ClientSession() as http:
        await register(http)
        task = asyncio.create_task(heartbeat(http), name="resync-heartbeat")
        try:
            yield
        finally:
            await cancel_and_wait(task)
            await runner.cleanup()


def _postgres_cpu(postmaster: psutil.Process) -> float:
    """CPU seconds of the server: the postmaster, its live children, and (through the
    postmaster's reaped-children counters) every backend and worker that has exited."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        t = postmaster.cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
    for child in postmaster.children():
        with contextlib.suppress(psutil.Error):
            t = child.cpu_times()
            total += t.user + t.system
    return total


class _Meter:
    """Wall time, WAL bytes (pg_current_wal_lsn() difference) and CPU seconds of one phase."""

    def __init__(self, conn: asyncpg.Connection, procs: list[Proc], postmaster: psutil.Process):
        self.conn, self.procs, self.postmaster = conn, procs, postmaster
        self.lsn = ""
        self.started = 0.0
        self.cpu = 0.0

    def _cpu(self) -> float:
        own = resource.getrusage(resource.RUSAGE_CHILDREN)  # the connector processes, reaped
        return (
            own.ru_utime
            + own.ru_stime
            + sum(p.cpu_seconds() for p in self.procs)
            + _postgres_cpu(self.postmaster)
        )

    async def start(self) -> None:
        self.lsn = str(await self.conn.fetchval("SELECT pg_current_wal_lsn()::text"))
        self.cpu = self._cpu()
        self.started = time.perf_counter()

    async def stop(self) -> Phase:
        seconds = time.perf_counter() - self.started
        cpu = self._cpu() - self.cpu
        wal = await self.conn.fetchval(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::bigint", self.lsn
        )
        return Phase(seconds, int(wal), cpu)


async def _drained(conn: asyncpg.Connection, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while await conn.fetchval(OPEN_QUEUE):
        if time.monotonic() > deadline:
            raise TimeoutError("queue did not drain")
        await asyncio.sleep(0.05)


async def _full_sync(
    meter: _Meter, manager: str, source_id: str, ids: list[str], tmp: Path
) -> tuple[Run, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}
    conn = meter.conn
    async with aiohttp.ClientSession(manager, headers=headers) as http:
        body = {"source_id": source_id, "sync_type": "full"}
        async with http.post("/sdk/sync/create", json=body) as resp:
            resp.raise_for_status()
            run_id = (await resp.json())["sync_run_id"]
        cfg = {"base": manager, "run_id": run_id, "source_id": source_id}
        # Each run starts right after a checkpoint, so the full-page images a run causes are
        # counted alike in both runs.
        await conn.execute("CHECKPOINT")
        await meter.start()
        sample_file = tmp / "sample_ids.json"
        await _connector_process(
            {**cfg, "phase": "content", "docs": SAMPLE, "ids_file": str(sample_file)}
        )
        texts = await meter.stop()
        ids[:SAMPLE] = orjson.loads(sample_file.read_bytes())
        ids_file = tmp / "content_ids.json"
        ids_file.write_bytes(orjson.dumps(ids))
        await meter.start()
        await _connector_process(
            {**cfg, "phase": "events", "docs": len(ids), "ids_file": str(ids_file)}
        )
        async with http.post(f"/sdk/sync/{run_id}/complete", json={}) as resp:
            resp.raise_for_status()
        await _drained(conn)
        events = await meter.stop()
    await meter.start()
    # What the run left behind for vacuum is part of its cost; done here, it is counted in the
    # run that caused it rather than in whichever run autovacuum happens to overlap.
    await conn.execute(f"VACUUM (ANALYZE) {VACUUMED}")
    vacuum = await meter.stop()
    stats = await conn.fetchrow(
        "SELECT r.documents_emitted, r.documents_processed,"
        " (SELECT count(*) FROM documents d WHERE d.source_id = r.source_id) AS documents"
        " FROM sync_runs r WHERE r.id = $1",
        run_id,
    )
    return Run(texts, events, vacuum), dict(stats or {})


async def _source(conn: asyncpg.Connection) -> str:
    source_id = new_id()
    now = datetime.now(UTC)
    await conn.execute(
        "INSERT INTO sources (id, name, source_type, created_at, updated_at)"
        " VALUES ($1, 'resync', $2, $3, $3)",
        source_id,
        SOURCE_TYPE,
        now,
    )
    return source_id


async def _stored_texts(conn: asyncpg.Connection, docs: int) -> list[str]:
    """Blobs for documents SAMPLE.. written straight into content_blobs, as /sdk/content would
    store them (the same text is already normal, §5.4); the sample goes through the API."""
    texts = texts_of(docs)
    now = datetime.now(UTC)
    records = []
    ids = [""] * docs
    for n in range(SAMPLE, docs):
        data = texts[n].encode("utf-8")
        ids[n] = new_id()
        records.append((ids[n], hashlib.sha256(data).hexdigest(), len(data), texts[n], now))
    await conn.copy_records_to_table(
        "content_blobs",
        records=records,
        columns=["id", "sha256", "size_bytes", "content", "created_at"],
    )
    return ids


def _mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"


def _ratio(a: float, b: float) -> float:
    return b / a if a else float("inf")


def _lines(first: Run, second: Run, peaks: dict[str, int], docs: int) -> list[str]:
    lines = []
    for name, a, b in (
        (f"texts, POST /sdk/content x {SAMPLE:,}", first.texts, second.texts),
        (f"events -> indexed -> swept, {docs:,} docs", first.events, second.events),
        ("vacuum after the run", first.vacuum, second.vacuum),
        ("events + sweep + vacuum", first.events + first.vacuum, second.events + second.vacuum),
        (f"whole run, texts scaled to {docs:,}", first.whole(docs), second.whole(docs)),
    ):
        lines.append(
            f"resync {name:<40} time {a.seconds:7.1f} s -> {b.seconds:6.1f} s"
            f" ({_ratio(a.seconds, b.seconds):4.2f}); CPU {a.cpu:7.1f} s -> {b.cpu:6.1f} s"
            f" ({_ratio(a.cpu, b.cpu):4.2f}); WAL {_mib(a.wal_bytes):>11} ->"
            f" {_mib(b.wal_bytes):>10} ({_ratio(a.wal_bytes, b.wal_bytes):4.2f})"
        )
    for name, a, b in (
        ("events + sweep + vacuum", first.events + first.vacuum, second.events + second.vacuum),
        ("whole run incl. texts", first.whole(docs), second.whole(docs)),
    ):
        worst = max(_ratio(a.seconds, b.seconds), _ratio(a.wal_bytes, b.wal_bytes))
        lines.append(f"resync second / first, {name}: CPU {_ratio(a.cpu, b.cpu):4.2f}")
        verdict = "met" if worst <= TARGET else "NOT met"
        lines.append(
            f"resync second / first, {name} (target <= {TARGET:.2f}): {worst:4.2f}"
            f" (the worse of wall time and WAL): {verdict}"
        )
    for role, value in sorted(peaks.items()):
        lines.append(f"resync peak RSS {role} (target < 200 MB): {_mib(value)}")
    return lines


async def run(url: str, docs: int = DOCS) -> list[str]:
    port = free_port()
    manager_url = f"http://127.0.0.1:{port}"
    env = manager_env(url, port)
    procs: list[Proc] = [
        spawn("manager", ["-m", "sluice_cli.main", "manager"], env),
        spawn("indexer", ["-m", "sluice_indexer"], env),
    ]
    conn = await asyncpg.connect(url)
    try:
        await wait_http(f"{manager_url}/health")
        backend = psutil.Process(await conn.fetchval("SELECT pg_backend_pid()"))
        meter = _Meter(conn, procs, backend.parent() or backend)
        source_id = await _source(conn)
        ids = await _stored_texts(conn, docs)
        with tempfile.TemporaryDirectory(prefix="sluice-resync-") as tmp:
            async with _online_connector(manager_url), sampling(procs):
                first, first_stats = await _full_sync(meter, manager_url, source_id, ids, Path(tmp))
                second, second_stats = await _full_sync(
                    meter, manager_url, source_id, ids, Path(tmp)
                )
    finally:
        await conn.close()
        for proc in procs:
            proc.stop()
    peaks = {proc.name: proc.peak_rss for proc in procs}
    return [
        f"# resync runs (emitted/processed/documents after): first {_counts(first_stats)},"
        f" second {_counts(second_stats)}",
        *_lines(first, second, peaks, docs),
    ]


def _counts(stats: dict[str, Any]) -> str:
    keys = ("documents_emitted", "documents_processed", "documents")
    return "/".join(str(stats.get(k)) for k in keys)
