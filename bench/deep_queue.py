"""Deep queue: claim + complete throughput with 10k, 1M and 3M rows waiting (issue 20).

Two figures per depth, each for Sluice and the raw ceiling on the same rows
(bench/deep_queue_data.py):

* **indexer**: the real processes drain the queue, ``python -m sluice_indexer`` (claim_events,
  apply, delete_completed_events: the default retention 0) against ``bench/raw_indexer.py``
  (claim, upsert, mark completed). Progress is read from the documents' identity sequences (one
  row, not a count over a growing table), after a warm-up, over a fixed number of rows.
* **queue only**: the same claim and completion statements with nothing applied in between,
  in this process (Sluice: ``sluice_indexer.queue.claim`` / ``complete``; raw: the raw indexer's
  CLAIM / COMPLETE), so the queue's own cost is not hidden behind document work.

Every measurement pairs Sluice and raw on one fresh copy of the depth's template (raw first;
their tables are apart, see ``_isolate``). The deep figures drain ``DEEP_ROWS`` rows, enough for
the dead tuples and index entries left at the head of the queue to pile up (autovacuum waits for
20 % of the table to be dead: at 1M and 3M, never during a run); the 10k queue holds only 10k, so
it is drained almost whole, ``SHALLOW_PAIRS`` times per pass. Depths are measured in turn within
a pass and the queue-only figure over ``PASSES`` passes, so a change of machine load during the
run touches every depth alike; each figure is the median of its pairs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from bench import deep_queue_data as data
from bench import raw_indexer
from bench.fixtures import manager_env
from bench.harness import Proc, free_port, line, sampling, spawn
from sluice_indexer import queue
from sluice_sql.embedded import database_url
from sluice_sql.pool import connect

DEPTHS = (10_000, 1_000_000, 3_000_000)
BATCH = 500  # the indexer's default claim_batch_size
WARMUP_ROWS = 5_000
DEEP_ROWS = 100_000
SHALLOW_PAIRS = 3
SHALLOW_WARMUP = 1_000
POLL_SECONDS = 0.05
TARGET_RATIO = 0.8
# Identity sequences of the document tables: one nextval per inserted document.
PROGRESS = "SELECT last_value FROM documents_id_seq"
RAW_PROGRESS = "SELECT last_value FROM {seq}"


@dataclass(frozen=True, slots=True)
class Window:
    warmup: int
    rows: int


def window(depth: int) -> Window:
    if depth <= 100_000:
        # Stop short of the end: an emptying queue idles the raw indexer (NOTIFY wait).
        return Window(SHALLOW_WARMUP, depth - 2 * SHALLOW_WARMUP)
    return Window(WARMUP_ROWS, DEEP_ROWS)


async def _watch(url: str, query: str, win: Window, proc: Proc, timeout: float = 900) -> float:
    """Rows/s between the warm-up mark and warm-up + rows, read from ``query``'s counter."""
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout
        start: tuple[int, float] | None = None
        while True:
            done = int(await conn.fetchval(query) or 0)
            now = time.perf_counter()
            if start is None and done >= win.warmup:
                start = (done, now)
            if start is not None and done >= win.warmup + win.rows:
                return (done - start[0]) / (now - start[1])
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{proc.name}: {done} rows after {timeout} s")
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await conn.close()


TABLES = {"sluice": ("event_queue", "documents"), "raw": ("raw_event_queue", "raw_documents")}


async def _isolate(url: str, measured: str) -> None:
    """Autovacuum as configured on the measured side's tables, off on the other side's: the
    other queue's dead tuples (its own run on this copy) must not be vacuumed during this one.
    A checkpoint first, so the other run's dirty pages are not written during this one."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CHECKPOINT")
        for side, tables in TABLES.items():
            for table in tables:
                if side == measured:
                    await conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
                else:
                    await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    finally:
        await conn.close()


# What the drain left behind: dead row versions (each event leaves two: the claimed version and
# the deleted one), autovacuum runs during the drain, the pending index's size.
QUEUE_STATE = """
SELECT n_dead_tup, autovacuum_count, pg_relation_size('event_queue_pending_idx') AS pending_idx
FROM pg_stat_user_tables WHERE relname = 'event_queue'
"""
STATES: list[str] = []


async def indexer_sluice(url: str, win: Window) -> float:
    await _isolate(url, "sluice")
    env = {**manager_env(url, free_port()), "SLUICE_CLAIM_BATCH_SIZE": str(BATCH)}
    proc = spawn("indexer", ["-m", "sluice_indexer"], env)
    try:
        async with sampling([proc]):
            rate = await _watch(url, PROGRESS, win, proc)
    finally:
        proc.stop()
    conn = await asyncpg.connect(url)
    try:
        await asyncio.sleep(1)  # statistics reach pg_stat_* about once a second
        state = await conn.fetchrow(QUEUE_STATE)
    finally:
        await conn.close()
    STATES.append(
        f"{state['n_dead_tup']:,} dead tuples, {state['autovacuum_count']} autovacuum runs, "
        f"pending index {state['pending_idx'] / 2**20:.1f} MiB, "
        f"indexer peak RSS {proc.peak_rss / 2**20:.0f} MiB"
    )
    return rate


async def indexer_raw(url: str, win: Window) -> float:
    await _isolate(url, "raw")
    conn = await asyncpg.connect(url)
    try:
        seq = await conn.fetchval("SELECT pg_get_serial_sequence('raw_documents', 'id')")
    finally:
        await conn.close()
    proc = spawn("raw-indexer", ["-m", "bench.raw_indexer", url, str(BATCH)], {})
    try:
        return await _watch(url, RAW_PROGRESS.format(seq=seq), win, proc)
    finally:
        proc.stop()


async def _timed(step: Callable[[], Awaitable[int]], win: Window) -> float:
    """Rows/s of ``step`` (one batch, returns its rows) over ``win.rows`` after the warm-up."""
    done = 0
    while done < win.warmup:
        done += await step()
    started, done = time.perf_counter(), 0
    while done < win.rows:
        done += await step()
    return done / (time.perf_counter() - started)


async def queue_only_sluice(url: str, win: Window) -> float:
    """claim_events then delete_completed_events per batch, nothing applied."""
    await _isolate(url, "sluice")
    conn = await connect(url, application_name="dq-sluice")

    async def step() -> int:
        now = datetime.now(UTC)
        batch = await queue.claim(conn, now, BATCH)
        if not batch.events:
            raise RuntimeError("queue ran dry")
        seqs = [e.seq for e in batch.events]
        return len(await queue.complete(conn, seqs, batch.token, now, delete=True))

    try:
        return await _timed(step, win)
    finally:
        await conn.close()


async def queue_only_raw(url: str, win: Window) -> float:
    """The raw indexer's CLAIM then COMPLETE per batch in one transaction, nothing applied."""
    await _isolate(url, "raw")
    conn = await asyncpg.connect(url)

    async def step() -> int:
        async with conn.transaction():
            rows = await conn.fetch(raw_indexer.CLAIM, BATCH)
            if not rows:
                raise RuntimeError("queue ran dry")
            await conn.execute(raw_indexer.COMPLETE, [r["seq"] for r in rows])
        return len(rows)

    try:
        return await _timed(step, win)
    finally:
        await conn.close()


Measure = Callable[[str, Window], Awaitable[float]]
Results = dict[tuple[str, int], tuple[float, float]]
MEASURES: dict[str, tuple[Measure, Measure]] = {
    "queue only": (queue_only_sluice, queue_only_raw),
    "indexer": (indexer_sluice, indexer_raw),
}
# The queue-only figure is quick and the most sensitive to depth: two passes. The indexer's
# figure costs ~1 minute per deep pair: one.
PASSES = {"queue only": 2, "indexer": 1}


async def _pair(
    server: str, template: str, measures: tuple[Measure, Measure], win: Window
) -> tuple[float, float]:
    """Sluice and raw rows/s on one fresh copy (raw first: separate tables, see _isolate)."""
    sluice_measure, raw_measure = measures
    name = "dq_run"
    url = await data.copy_template(server, template, name)
    # A copy of 3M rows leaves ~3 GB of dirty pages that the kernel writes back over the next
    # half minute, under the measurement: write them now.
    await asyncio.to_thread(os.sync)
    try:
        raw = await raw_measure(url, win)
        sluice = await sluice_measure(url, win)
    finally:
        await data.drop(server, name)
    return sluice, raw


async def run(_url: str | None = None) -> list[str]:
    """The deep-queue table; ``_url`` (the run's fresh database) is not used: the queues live
    in template databases of their own (bench/deep_queue_data.py)."""
    started = time.perf_counter()
    lines: list[str] = []
    pairs: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with data.template_server() as server:
        templates: dict[int, str] = {}
        for depth in DEPTHS:
            templates[depth], built = await data.ensure_template(server, depth)
            if built:
                lines.append(f"# deep queue: generated the {depth:,}-row template in {built:.0f} s")
        sizes = await _sizes(server, templates[DEPTHS[-1]])
        lines.append(
            f"# deep queue: {data.SOURCES} sources, Zipf {data.ZIPF_EXPONENT} sizes (at "
            f"{DEPTHS[-1]:,}: largest {sizes[0]:,}, median {statistics.median(sizes):,.0f}, "
            f"smallest {sizes[-1]:,}); document_created events of ~230 bytes, one shared "
            f"80-byte blob; batches of {BATCH}"
        )
        for kind, measures in MEASURES.items():
            for _ in range(PASSES[kind]):
                for depth in DEPTHS:
                    win = window(depth)
                    for _ in range(SHALLOW_PAIRS if depth <= 100_000 else 1):
                        try:
                            pair = await _pair(server, templates[depth], measures, win)
                        except (OSError, RuntimeError, asyncpg.PostgresError) as exc:
                            lines.append(f"# deep queue {kind}, {depth:,}: FAILED {exc!r}"[:300])
                            continue
                        pairs.setdefault((kind, depth), []).append(pair)
                    if STATES:
                        lines.append(
                            f"# deep queue, {depth:,} waiting, Sluice's indexer after "
                            f"{win.warmup + win.rows:,}+ rows: {STATES[-1]}"
                        )
                        STATES.clear()
    results: Results = {}
    for (kind, depth), found in pairs.items():
        sluice = statistics.median(p[0] for p in found)
        raw = statistics.median(p[1] for p in found)
        results[(kind, depth)] = (sluice, raw)
        each = "; ".join(f"{p[0]:,.0f} / {p[1]:,.0f}" for p in found)
        lines.append(f"# deep queue {kind}, {depth:,} waiting, pairs sluice / raw: {each}")
        lines.append(line(f"deep queue {kind}, {depth:,} waiting, rows/s", sluice, raw, "rows/s"))
    lines += _ratios(results)
    lines.append(f"# deep queue: {time.perf_counter() - started:.0f} s in all")
    return lines


async def _sizes(server: str, template: str) -> list[int]:
    return await data.source_sizes(database_url(server, template))


def _ratios(results: Results) -> list[str]:
    """Deep over shallow, per figure, for Sluice (the target) and for raw (for comparison)."""
    shallow = DEPTHS[0]
    out = []
    for kind in MEASURES:
        if (kind, shallow) not in results:
            continue
        base_sluice, base_raw = results[(kind, shallow)]
        for depth in DEPTHS[1:]:
            if (kind, depth) not in results:
                continue
            sluice, raw = results[(kind, depth)]
            ratio = sluice / base_sluice
            verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
            out.append(
                f"{f'deep queue {kind}, {depth:,} / {shallow:,} waiting':<44} sluice "
                f"{ratio:12.2f} {'':<10} raw {raw / base_raw:12.2f} {'':<10} "
                f"(target sluice >= {TARGET_RATIO}: {verdict})"
            )
    return out
