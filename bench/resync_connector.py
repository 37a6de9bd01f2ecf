"""The connector-like load generator of ``bench/resync.py``, in its own process:
``python -m bench.resync_connector '<json>'``; prints one JSON line (seconds, HTTP statuses).

It does what a connector's full run does over the wire, 4 requests in flight: phase ``content``
stores the first ``docs`` documents' texts through ``POST /sdk/content`` and writes their ids to
``ids_file``; phase ``events`` reads the ids of every document from ``ids_file`` and emits the
documents through ``POST /sdk/events/batch``, 100 per batch.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.corpus import TextGenerator
from bench.fixtures import CONNECTOR_TOKEN

BATCH = 100
CONCURRENCY = 4
# Distinct texts cheaply: one of BASES generated texts, cut so that a tail of words picked by
# the document number makes each text (and so each blob and tsvector) its own.
BASES = 256
TEXT_BYTES = 2048


def texts_of(count: int) -> list[str]:
    gen = TextGenerator(seed=23)
    bases = [gen.text(TEXT_BYTES - 64).strip() for _ in range(BASES)]
    tails = [gen.word() for _ in range(997)]
    return [
        f"{bases[n % BASES]} {tails[n % 997]} {tails[(n // 7) % 997]} {tails[(n // 13) % 997]} {n}"
        for n in range(count)
    ]


def _event(n: int, content_id: str, run_id: str, source_id: str) -> dict[str, Any]:
    # The shape of a typical connector's document: a title, a link, a few metadata members, and
    # permissions of which 60 % are public (the search corpus).
    public = n % 5 < 3
    return {
        "type": "document_created",
        "sync_run_id": run_id,
        "source_id": source_id,
        "document_id": f"doc-{n}",
        "content_id": content_id,
        "metadata": {
            "title": f"Document {n} of the resync corpus",
            "url": f"https://example.org/docs/{n}",
            "mime_type": "text/plain",
            "size": str(TEXT_BYTES),
            "created_at": "2025-03-04T05:06:07.123456Z",
            "author": f"author{n % 50}@example.org",
        },
        "permissions": {
            "public": public,
            "users": [] if public else [f"user{n % 200}@example.org"],
            "groups": [] if public else [f"team{n % 20}@example.org"],
        },
    }


async def run(cfg: dict[str, Any]) -> dict[str, Any]:
    base, run_id, source_id = cfg["base"], cfg["run_id"], cfg["source_id"]
    count, ids_file = cfg["docs"], Path(cfg["ids_file"])
    # The content phase stores the texts of the first `count` documents only (the sample).
    headers = {"Authorization": f"Bearer {CONNECTOR_TOKEN}"}
    statuses: dict[int, int] = {}
    chunks = list(range(0, count, BATCH))
    content_ids: list[str] = [""] * count
    if cfg["phase"] == "events":
        content_ids = orjson.loads(ids_file.read_bytes())
    texts = texts_of(count) if cfg["phase"] == "content" else []
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    started = time.perf_counter()
    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as http:

        async def post(path: str, body: bytes) -> Any:
            async with http.post(
                path, data=body, headers={"Content-Type": "application/json"}
            ) as resp:
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                return await resp.json() if resp.status == 200 else None

        async def content(first: int) -> None:
            for n in range(first, min(first + BATCH, count)):
                body = orjson.dumps({"sync_run_id": run_id, "content": texts[n]})
                answer = await post("/sdk/content", body)
                content_ids[n] = answer["content_id"] if answer else ""

        async def events(first: int) -> None:
            batch = [
                _event(n, content_ids[n], run_id, source_id)
                for n in range(first, min(first + BATCH, count))
            ]
            body = {"sync_run_id": run_id, "source_id": source_id, "events": batch}
            await post("/sdk/events/batch", orjson.dumps(body))

        work = content if cfg["phase"] == "content" else events
        queue: asyncio.Queue[int] = asyncio.Queue()
        for first in chunks:
            queue.put_nowait(first)

        async def worker() -> None:
            while not queue.empty():
                await work(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    seconds = time.perf_counter() - started
    if cfg["phase"] == "content":
        ids_file.write_bytes(orjson.dumps(content_ids))
    return {"seconds": seconds, "statuses": statuses}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))), flush=True)
