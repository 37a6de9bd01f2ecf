"""Load generator, run in its own process: POST batches of 2 KB document events, report docs/s.

``python -m bench.loadgen '<json config>'``; prints one JSON line with docs, seconds and statuses.
The bodies are built before the clock starts, from the real-frequency English corpus.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import aiohttp
import orjson

from bench.corpus import TextGenerator


def build_batches(cfg: dict[str, Any]) -> list[bytes]:
    gen = TextGenerator(seed=cfg.get("seed", 11))
    texts = [gen.text(cfg.get("doc_bytes", 2048)) for _ in range(64)]
    titles = [gen.title() for _ in range(64)]
    content_ids = cfg.get("content_ids") or ["c"]
    batches: list[bytes] = []
    n = 0
    for _ in range(cfg["batches"]):
        events = []
        for _ in range(cfg["batch_size"]):
            events.append(
                {
                    "type": "document_created",
                    "sync_run_id": cfg["sync_run_id"],
                    "source_id": cfg["source_id"],
                    "document_id": f"{cfg.get('prefix', 'd')}-{n}",
                    "content_id": content_ids[n % len(content_ids)],
                    "metadata": {
                        "title": titles[n % 64],
                        "url": f"https://example.org/{cfg.get('prefix', 'd')}/{n}",
                        "mime_type": "text/plain",
                        "size": "2048",
                        "created_at": "2025-03-04T05:06:07.123456Z",
                        "extra": {"summary": texts[n % 64]},
                    },
                    "permissions": {"public": True, "users": [], "groups": []},
                }
            )
            n += 1
        batches.append(
            orjson.dumps(
                {"sync_run_id": cfg["sync_run_id"], "source_id": cfg["source_id"], "events": events}
            )
        )
    return batches


async def run(cfg: dict[str, Any]) -> dict[str, Any]:
    batches = build_batches(cfg)
    headers = {"Content-Type": "application/json"}
    if cfg.get("token"):
        headers["Authorization"] = f"Bearer {cfg['token']}"
    statuses: Counter[int] = Counter()
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in batches:
        queue.put_nowait(body)
    connector = aiohttp.TCPConnector(limit=cfg.get("concurrency", 4))
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                async with session.post(cfg["url"], data=body) as resp:
                    await resp.read()
                    statuses[resp.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(cfg.get("concurrency", 4))))
        seconds = time.perf_counter() - started
    docs = len(batches) * cfg["batch_size"]
    return {"docs": docs, "seconds": seconds, "statuses": dict(statuses)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))), flush=True)
