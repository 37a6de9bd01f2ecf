"""The raw indexing ceiling: claim → upsert with tsvector → complete, written directly in SQL.

Run as ``python -m bench.raw_indexer DATABASE_URL BATCH``; it drains ``raw_event_queue`` into
``raw_documents`` until terminated, waking on NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import asyncpg

CLAIM = """
UPDATE raw_event_queue q SET status = 'processing', claimed_at = now(), attempts = q.attempts + 1
WHERE q.seq IN (
    SELECT seq FROM raw_event_queue WHERE status = 'pending' ORDER BY seq
    LIMIT $1 FOR UPDATE SKIP LOCKED
)
RETURNING q.seq, q.source_id, q.entity_key, q.payload::jsonb AS payload
"""

UPSERT = """
INSERT INTO raw_documents (source_id, external_id, title, content, metadata, permissions, last_seq,
                           tsv)
SELECT e.source_id, e.external_id, e.payload->'metadata'->>'title',
       e.payload->'metadata'->'extra'->>'summary', e.payload->'metadata', e.payload->'permissions',
       e.seq,
       setweight(to_tsvector('english', e.payload->'metadata'->>'title'), 'A')
       || setweight(to_tsvector('english', e.payload->'metadata'->'extra'->>'summary'), 'B')
FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bigint[])
     AS e(source_id, external_id, payload, seq)
ON CONFLICT (source_id, external_id) DO UPDATE
SET title = excluded.title, content = excluded.content, metadata = excluded.metadata,
    permissions = excluded.permissions, last_seq = excluded.last_seq, updated_at = now(),
    tsv = excluded.tsv
WHERE raw_documents.last_seq < excluded.last_seq
"""

COMPLETE = """
UPDATE raw_event_queue SET status = 'completed', finished_at = now() WHERE seq = ANY($1::bigint[])
"""


async def drain(conn: asyncpg.Connection, batch: int) -> int:
    done = 0
    while True:
        async with conn.transaction():
            rows = await conn.fetch(CLAIM, batch)
            if not rows:
                return done
            # One statement per batch; later events of a document win (seq order within the batch).
            latest: dict[tuple[str, str], asyncpg.Record] = {}
            for row in sorted(rows, key=lambda r: r["seq"]):
                latest[(row["source_id"], row["entity_key"])] = row
            chosen = list(latest.values())
            await conn.execute(
                UPSERT,
                [r["source_id"] for r in chosen],
                [r["entity_key"] for r in chosen],
                [r["payload"] for r in chosen],
                [r["seq"] for r in chosen],
            )
            await conn.execute(COMPLETE, [r["seq"] for r in rows])
        done += len(rows)


async def main() -> None:
    url, batch = sys.argv[1], int(sys.argv[2])
    conn = await asyncpg.connect(url)
    listener = await asyncpg.connect(url)
    wake = asyncio.Event()
    await listener.add_listener("raw_events", lambda *_: wake.set())
    while True:
        await drain(conn, batch)
        wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=1.0)


if __name__ == "__main__":
    asyncio.run(main())
