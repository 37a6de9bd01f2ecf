"""``make bench``: each figure against a reference measured in the same run (the raw ceiling, or
for the registry aiohttp's own floor), and their ratio. ``python -m bench NAME…`` runs some."""

from __future__ import annotations

import asyncio
import platform
import sys
from collections.abc import Awaitable, Callable

import psutil

from bench import (
    declarative,
    deep_queue,
    end_to_end,
    ingest,
    mcp,
    registry,
    resync,
    rss,
    scheduling,
    search,
)
from bench.harness import bench_server, fresh_database

# Name → the benchmark, given a fresh database of its own; run in this order.
DATABASE_BENCHES: dict[str, Callable[[str], Awaitable[list[str]]]] = {
    "ingest": ingest.run,
    "e2e": end_to_end.run,
    "registry": registry.run,
    "scheduler": scheduling.run_scheduler,
    "monitor": scheduling.run_monitor,
    "mcp": mcp.run,
    "resync": resync.run,
    "deep-queue": deep_queue.run,  # its queues live in cached template databases of their own
    "search": search.run,  # its corpora live in a cached cluster of their own (search_corpus.py)
}


def _say(lines: list[str]) -> None:
    for text in lines:
        print(text, flush=True)


async def main(selected: set[str]) -> None:
    print(
        f"# {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}",
        flush=True,
    )
    chosen = [name for name in DATABASE_BENCHES if not selected or name in selected]
    if chosen:
        with bench_server() as server:
            for name in chosen:
                _say(await DATABASE_BENCHES[name](await fresh_database(server, f"bench_{name}")))
    if not selected or "declarative" in selected:
        # No database: a local API, a counting manager stand-in and the two connectors.
        _say(await declarative.run())
    print(rss.summary_line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(set(sys.argv[1:])))
