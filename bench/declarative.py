"""Declarative runtime: records per second against a hand-written SDK connector reading the same
local API, and the runtime's memory over a 100,000-record sync.

Every part is its own process: the local API (bench/declarative_api.py), the manager's stand-in
(bench/declarative_sink.py, counts only), the declarative runtime (``python -m
sluice_connector_declarative``, syncing the descriptor bench/declarative_api.yaml that the sink
hands it in the sync-config) and the hand-written connector (bench/handwritten_connector.py). A
run starts with ``POST /sync`` to the connector and ends when the sink sees ``complete``; records/s
is the number of records over that time. A warm-up sync of each, then ``ROUNDS`` rounds with the
two alternating; medians are reported.

Memory: a fresh runtime process syncs ``RSS_RECORDS`` records while its RSS is sampled every
``SAMPLE_SECONDS`` beside the sink's count of events. Pages are streamed, so the peak once 10 % of
the records are through should be the peak of the whole sync (ratio ≈ 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench.fixtures import CONNECTOR_TOKEN
from bench.harness import Proc, free_port, sampling, spawn, wait_http
from sluice_descriptor import load_path
from sluice_sdk.tasks import cancel_and_wait

DESCRIPTOR = Path(__file__).with_name("declarative_api.yaml")
RECORDS = 20_000
"""Records per throughput sync."""
WARMUP_RECORDS = 2_000
RSS_RECORDS = 100_000
ROUNDS = 3
SAMPLE_SECONDS = 0.1
RUN_TIMEOUT = 600.0
FINISH_POLL_SECONDS = 1.0

MIN_RATIO = 0.8
MAX_RSS_GROWTH = 1.2
IGNORED_MEMBERS = ("sync_run_id", "source_id", "content_id")
"""Event members that differ between two runs of the same documents."""


def connector_env(sink_port: int, port: int) -> dict[str, str]:
    return {
        "SLUICE_MANAGER_URL": f"http://127.0.0.1:{sink_port}",
        "SLUICE_CONNECTOR_TOKEN": CONNECTOR_TOKEN,
        "SLUICE_PORT": str(port),
        "SLUICE_CONNECTOR_HOST": "127.0.0.1",
        "SLUICE_LISTEN_HOST": "127.0.0.1",
        "SLUICE_LOG_LEVEL": "warning",
        "SLUICE_LOG_JSON": "true",
    }


@dataclass
class Contender:
    name: str
    module: str
    source_type: str
    descriptor: dict[str, Any] | None = None
    proc: Proc | None = None
    port: int = 0
    rates: list[float] = field(default_factory=list)
    cpu_per_record: list[float] = field(default_factory=list)
    first_event: dict[str, Any] | None = None

    def source_id(self, records: int) -> str:
        return f"{self.name}-{records}"


@dataclass(frozen=True)
class RunResult:
    records: int
    seconds: float
    cpu_seconds: float
    stats: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.records / self.seconds


class Bench:
    """The API and the sink for the whole benchmark; connectors started and stopped on demand."""

    def __init__(self, session: aiohttp.ClientSession, api_port: int, sink_port: int) -> None:
        self.session = session
        self.api_port = api_port
        self.sink_port = sink_port
        self.sink = f"http://127.0.0.1:{sink_port}"
        self._run_numbers = count(1)

    def new_run_id(self) -> str:
        return f"bench-run-{next(self._run_numbers)}"

    async def add_source(self, contender: Contender, records: int) -> str:
        source_id = contender.source_id(records)
        base_url = f"http://127.0.0.1:{self.api_port}/sets/{records}"
        body: dict[str, Any] = {
            "config": {"base_url": base_url},
            "credentials": {},
            "source_type": contender.source_type,
        }
        if contender.descriptor is not None:
            body["descriptor"] = contender.descriptor
        async with self.session.put(f"{self.sink}/bench/sources/{source_id}", json=body) as resp:
            resp.raise_for_status()
        return source_id

    async def start(self, contender: Contender) -> None:
        contender.port = free_port()
        contender.proc = spawn(
            contender.name,
            ["-m", contender.module],
            connector_env(self.sink_port, contender.port),
        )
        await wait_http(f"http://127.0.0.1:{contender.port}/health")

    async def progress(self, run_id: str) -> dict[str, Any]:
        async with self.session.get(f"{self.sink}/bench/runs/{run_id}") as resp:
            resp.raise_for_status()
            return dict(await resp.json())

    async def finished(self, proc: Proc, run_id: str, deadline: float) -> dict[str, Any]:
        """The run's counters once it completed or failed; the sink answers as soon as it does,
        and the wait is cut into steps so a connector that died is noticed."""
        url = f"{self.sink}/bench/runs/{run_id}?wait={FINISH_POLL_SECONDS}"
        while True:
            async with self.session.get(url) as resp:
                resp.raise_for_status()
                stats: dict[str, Any] = await resp.json()
            if stats["status"] != "running":
                return stats
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode} mid-sync")
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{proc.name}: run {run_id} still running")

    async def sync(
        self, contender: Contender, records: int, run_id: str | None = None
    ) -> RunResult:
        """One full sync of ``records`` records, from ``POST /sync`` to ``complete``."""
        assert contender.proc is not None
        source_id = await self.add_source(contender, records)
        run_id = run_id or self.new_run_id()
        request = {"sync_run_id": run_id, "source_id": source_id, "sync_mode": "full"}
        headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}
        cpu_before = contender.proc.cpu_seconds()
        started = time.perf_counter()
        url = f"http://127.0.0.1:{contender.port}/sync"
        async with self.session.post(url, json=request, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"{contender.name}: POST /sync answered {resp.status}")
        stats = await self.finished(contender.proc, run_id, started + RUN_TIMEOUT)
        seconds = time.perf_counter() - started
        cpu = contender.proc.cpu_seconds() - cpu_before
        if stats["status"] != "completed" or stats["events"] != records:
            raise RuntimeError(
                f"{contender.name}: run {run_id} ended {stats['status']} with "
                f"{stats['events']} of {records} events: {stats['error']}"
            )
        contender.first_event = stats["first_event"]
        return RunResult(records, seconds, cpu, stats)


@contextlib.asynccontextmanager
async def rss_trace(bench: Bench, proc: Proc, run_id: str) -> AsyncIterator[list[tuple[int, int]]]:
    """(events the sink has of ``run_id``, RSS) every ``SAMPLE_SECONDS`` while the block runs."""
    samples: list[tuple[int, int]] = []

    async def loop() -> None:
        while True:
            with contextlib.suppress(psutil.Error, aiohttp.ClientError):
                rss = proc.ps.memory_info().rss
                events = int((await bench.progress(run_id))["events"])
                samples.append((events, rss))
            await asyncio.sleep(SAMPLE_SECONDS)

    task = asyncio.create_task(loop(), name="rss-trace")
    try:
        yield samples
    finally:
        await cancel_and_wait(task)


async def rss_run(bench: Bench, contender: Contender) -> tuple[int, int, int, RunResult]:
    """A fresh runtime syncs ``RSS_RECORDS``: (RSS at start, peak up to 10 %, peak overall)."""
    await bench.start(contender)
    assert contender.proc is not None
    try:
        idle = contender.proc.ps.memory_info().rss
        run_id = bench.new_run_id()
        async with rss_trace(bench, contender.proc, run_id) as samples:
            result = await bench.sync(contender, RSS_RECORDS, run_id)
        samples.append((RSS_RECORDS, contender.proc.ps.memory_info().rss))
    finally:
        contender.proc.stop()
    tenth = RSS_RECORDS // 10
    early = max((rss for seen, rss in samples if seen <= tenth), default=idle)
    peak = max(rss for _, rss in samples)
    return idle, early, peak, result


def _comparable(event: dict[str, Any] | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {k: v for k, v in event.items() if k not in IGNORED_MEMBERS}


def _mib(value: int) -> str:
    return f"{value / 2**20:,.1f} MiB"


async def run() -> list[str]:
    parsed = load_path(DESCRIPTOR)
    if parsed.descriptor is None:
        raise RuntimeError("; ".join(p.render(str(DESCRIPTOR)) for p in parsed.problems))
    declarative = Contender(
        "declarative", "sluice_connector_declarative", "declarative", parsed.descriptor.dump()
    )
    handwritten = Contender("handwritten", "bench.handwritten_connector", "bench_handwritten")
    api_port, sink_port = free_port(), free_port()
    services = [
        spawn("declarative-api", ["-m", "bench.declarative_api", str(api_port)], {}),
        spawn("declarative-sink", ["-m", "bench.declarative_sink", str(sink_port)], {}),
    ]
    lines: list[str] = []
    try:
        await wait_http(f"http://127.0.0.1:{api_port}/health")
        await wait_http(f"http://127.0.0.1:{sink_port}/health")
        async with aiohttp.ClientSession() as session:
            bench = Bench(session, api_port, sink_port)
            pair = [declarative, handwritten]
            for contender in pair:
                await bench.start(contender)
            procs = [c.proc for c in pair if c.proc is not None]
            try:
                for contender in pair:
                    await bench.sync(contender, WARMUP_RECORDS)
                async with sampling(procs, every=SAMPLE_SECONDS):
                    for _ in range(ROUNDS):
                        for contender in pair:
                            result = await bench.sync(contender, RECORDS)
                            contender.rates.append(result.rate)
                            contender.cpu_per_record.append(result.cpu_seconds / RECORDS * 1e6)
            finally:
                for proc in procs:
                    proc.stop()
            lines += _throughput_lines(declarative, handwritten, procs)
            fresh = Contender(
                "declarative-rss", declarative.module, "declarative", declarative.descriptor
            )
            idle, early, peak, result = await rss_run(bench, fresh)
            lines.append(
                f"{'declarative RSS, 100,000-record sync':<44} start {_mib(idle)}, "
                f"peak to 10 % {_mib(early)}, peak {_mib(peak)}, "
                f"ratio {peak / early:5.2f} (target <= {MAX_RSS_GROWTH}); "
                f"{result.rate:,.0f} rec/s"
            )
    finally:
        for proc in services:
            proc.stop()
    return lines


def _throughput_lines(
    declarative: Contender, handwritten: Contender, procs: list[Proc]
) -> list[str]:
    ours, theirs = statistics.median(declarative.rates), statistics.median(handwritten.rates)
    cpu_ours = statistics.median(declarative.cpu_per_record)
    cpu_theirs = statistics.median(handwritten.cpu_per_record)
    pairs = zip(declarative.rates, handwritten.rates, strict=True)
    lines = [
        f"# declarative, {RECORDS:,} records per sync, rounds: declarative "
        + " ".join(f"{v:,.0f}" for v in declarative.rates)
        + "; hand-written "
        + " ".join(f"{v:,.0f}" for v in handwritten.rates)
        + "; ratio per round "
        + " ".join(f"{a / b:.2f}" for a, b in pairs),
        f"{'declarative runtime, records/s':<44} declarative {ours:>10,.1f} rec/s  "
        f"hand-written {theirs:>10,.1f} rec/s  ratio {ours / theirs:5.2f} "
        f"(target >= {MIN_RATIO})",
        f"{'declarative runtime, connector CPU/record':<44} declarative {cpu_ours:>10,.1f} µs     "
        f"hand-written {cpu_theirs:>10,.1f} µs     ratio {cpu_theirs / cpu_ours:5.2f}",
    ]
    peaks = ", ".join(f"{proc.name} {_mib(proc.peak_rss)}" for proc in procs)
    lines.append(f"# peak RSS over the {RECORDS:,}-record rounds: {peaks}")
    first, second = _comparable(declarative.first_event), _comparable(handwritten.first_event)
    if first != second:
        lines.append(f"# warning: the contenders' documents differ: {first} != {second}")
    return lines
