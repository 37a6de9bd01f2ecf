"""Several workers on one queue end where one-by-one application in seq order ends (§10.3)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import asyncpg
import pytest

from sluice_indexer.worker import Worker
from tests.integration.indexer import factories as f

DEFAULT_PERMS = {"public": False, "users": [], "groups": []}


def reference(events: list[tuple[int, dict[str, Any]]], texts: dict[str, str]) -> dict[str, Any]:
    """Protocol §10.6 applied one event at a time, in seq order."""
    docs: dict[str, dict[str, Any]] = {}
    tombs: dict[str, int] = {}
    for seq, ev in events:
        ext = ev["document_id"]
        stored = docs.get(ext)
        if stored is not None and stored["last_seq"] >= seq:
            continue
        if ev["type"] == "document_deleted":
            docs.pop(ext, None)
            tombs[ext] = max(tombs.get(ext, 0), seq)
            continue
        if stored is None and tombs.get(ext, 0) >= seq:
            continue
        title = ev["metadata"].get("title") or (stored["title"] if stored else "")
        perms = ev["permissions"]
        if perms is None:
            perms = stored["permissions"] if stored else DEFAULT_PERMS
        attrs = ev.get("attributes")
        if attrs is None:
            attrs = stored["attributes"] if stored and ev["type"] == "document_updated" else {}
        docs[ext] = {
            "title": title,
            "content": texts[ev["content_id"]],
            "permissions": perms,
            "attributes": attrs,
            "last_seq": seq,
        }
        if tombs.get(ext, 0) < seq:
            tombs.pop(ext, None)
    return {"docs": docs, "tombs": tombs}


def random_events(rng: random.Random, blobs: list[str], n: int) -> list[dict[str, Any]]:
    events = []
    for _ in range(n):
        doc = f"doc-{rng.randrange(30)}"
        kind = rng.choices(["created", "updated", "deleted"], weights=[3, 5, 2])[0]
        if kind == "deleted":
            events.append(f.deleted(doc))
            continue
        title = rng.choice([None, "", f"title {rng.randrange(100)}"])
        perms = rng.choice(
            [
                None,
                f.PUBLIC,
                {"public": False, "users": [f"u{rng.randrange(5)}@x.org"], "groups": []},
            ]
        )
        attrs = rng.choice([None, {"n": rng.randrange(100)}])
        if kind == "created":
            events.append(
                f.created(
                    doc,
                    rng.choice(blobs),
                    title=title,
                    permissions=perms or f.PUBLIC,
                    attributes=attrs,
                )
            )
        else:
            events.append(
                f.updated(doc, rng.choice(blobs), title=title, permissions=perms, attributes=attrs)
            )
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_three_workers_equal_seq_order(db_pool: asyncpg.Pool, db_url: str, seed: int) -> None:
    rng = random.Random(seed)
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        texts = {}
        for i in range(5):
            text = f"text number {i} about " + rng.choice(["rivers", "hills", "ships", "birds"])
            texts[await f.add_blob(conn, text)] = text
        events = random_events(rng, list(texts), 300)
        seqs = await f.enqueue(conn, source, run, events)
    expected = reference(list(zip(seqs, events, strict=True)), texts)

    settings = f.settings(db_url, claim_batch_size=7)
    workers = [Worker(db_pool, settings, name=f"w{i}") for i in range(3)]
    for _ in range(200):
        await asyncio.gather(*(w.run(burst=True) for w in workers))
        async with db_pool.acquire() as conn:
            if not await conn.fetchval("SELECT count(*) FROM event_queue"):
                break
    assert sum(w.stats.completed for w in workers) == len(events)
    assert sum(1 for w in workers if w.stats.batches) >= 2  # they really ran side by side

    async with db_pool.acquire() as conn:
        docs = await f.documents(conn, source)
        tombs = {
            r["external_id"]: r["last_seq"]
            for r in await conn.fetch("SELECT external_id, last_seq FROM document_tombstones")
        }
        processed = await conn.fetchval(
            "SELECT documents_processed FROM sync_runs WHERE id = $1", run
        )
    got = {
        ext: {k: d[k] for k in ("title", "content", "permissions", "attributes", "last_seq")}
        for ext, d in docs.items()
    }
    assert got == expected["docs"]
    assert tombs == expected["tombs"]
    assert all(d["indexed"] for d in docs.values())
    assert processed == len(events)
