"""``make bench``: each figure against a reference measured in the same run (the raw ceiling, or
for the registry aiohttp's own floor), and their ratio."""

from __future__ import annotations

import asyncio
import platform
import sys

import psutil

from bench import declarative, end_to_end, ingest, mcp, registry, scheduling
from bench.harness import bench_server, fresh_database

DATABASE_BENCHES = {"ingest", "e2e", "registry", "scheduler", "monitor", "mcp"}


async def main(selected: set[str]) -> None:
    print(
        f"# {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}",
        flush=True,
    )
    if not selected or selected & DATABASE_BENCHES:
        with bench_server() as server:
            if not selected or "ingest" in selected:
                url = await fresh_database(server, "bench_ingest")
                for text in await ingest.run(url):
                    print(text, flush=True)
            if not selected or "e2e" in selected:
                url = await fresh_database(server, "bench_e2e")
                for text in await end_to_end.run(url):
                    print(text, flush=True)
            if not selected or "registry" in selected:
                url = await fresh_database(server, "bench_registry")
                for text in await registry.run(url):
                    print(text, flush=True)
            if not selected or "scheduler" in selected:
                url = await fresh_database(server, "bench_scheduler")
                for text in await scheduling.run_scheduler(url):
                    print(text, flush=True)
            if not selected or "monitor" in selected:
                url = await fresh_database(server, "bench_monitor")
                for text in await scheduling.run_monitor(url):
                    print(text, flush=True)
            if not selected or "mcp" in selected:
                url = await fresh_database(server, "bench_mcp")
                for text in await mcp.run(url):
                    print(text, flush=True)

    if not selected or "declarative" in selected:
        # No database: a local API, a counting manager stand-in and the two connectors.
        for text in await declarative.run():
            print(text, flush=True)


if __name__ == "__main__":
    asyncio.run(main(set(sys.argv[1:])))
