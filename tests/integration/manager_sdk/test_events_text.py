"""``POST /sdk/events/batch``: payloads queued as written, or written anew (protocol §10.1, §10.2).

A batch whose events array, as written, is the validated events is queued as that text; any
value the protocol normalises (§5.2 size, §1.3 timestamps, empty attributes) makes the manager
write the events anew. Both paths must give the queue rows of the validated events.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import orjson
from aiohttp import web
from aiohttp.test_utils import TestClient

from sluice_indexer.worker import Worker
from tests.integration.indexer import factories as indexer_factories
from tests.integration.manager_sdk.conftest import AUTH
from tests.integration.manager_sdk.factories import insert_run, insert_source

Client = TestClient[web.Request, web.Application]
PUBLIC = {"public": True, "users": [], "groups": []}
JSON = {**AUTH, "Content-Type": "application/json"}


def created(run_id: str, source_id: str, document_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "document_created",
        "sync_run_id": run_id,
        "source_id": source_id,
        "document_id": document_id,
        "content_id": "blob-1",
        "metadata": {"title": document_id},
        "permissions": PUBLIC,
        **extra,
    }


async def post_raw(client: Client, body: bytes) -> None:
    resp = await client.post("/sdk/events/batch", data=body, headers=JSON)
    assert resp.status == 200, await resp.text()


async def payload_texts(pool: asyncpg.Pool, source_id: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT payload::text AS text FROM event_queue WHERE source_id = $1 ORDER BY seq",
        source_id,
    )
    return [row["text"] for row in rows]


async def running(pool: asyncpg.Pool) -> tuple[str, str]:
    source_id = await insert_source(pool)
    return source_id, await insert_run(pool, source_id)


def ids(run_id: str, source_id: str) -> str:
    return '"sync_run_id":"' + run_id + '","source_id":"' + source_id + '"'


async def test_events_already_validated_are_queued_as_written(
    client: Client, db_pool: asyncpg.Pool
) -> None:
    source_id, run_id = await running(db_pool)
    # Odd spacing, members in another order, a null member and an unknown one (§1.3, §5.2).
    first = (
        '{ "document_id" : "a", "type":"document_created", '
        + ids(run_id, source_id)
        + ', "content_id":"c", "metadata":{"title":null,"size":"12",'
        ' "created_at":"2025-03-04T05:06:07.123456Z", "extra":{"n":1.5}},'
        ' "permissions":{"public":false,"users":["U@x.org"],"groups":[]}, "future":{"x":1} }'
    )
    second = '{"type":"document_deleted",' + ids(run_id, source_id) + ',"document_id":"b"}'
    body = "{" + ids(run_id, source_id) + ',\n "events": [' + first + ",\n  " + second + "] }\n"
    await post_raw(client, body.encode())
    assert await payload_texts(db_pool, source_id) == [first, second]
    # The usual separators: the manager cuts the events apart itself.
    for separator in (",", ", "):
        body = "{" + ids(run_id, source_id) + ',"events":[' + first + separator + second + "]}"
        await post_raw(client, body.encode())
    assert await payload_texts(db_pool, source_id) == [first, second] * 3


async def test_events_after_other_members_are_queued_as_written(
    client: Client, db_pool: asyncpg.Pool
) -> None:
    source_id, run_id = await running(db_pool)
    event = orjson.dumps(created(run_id, source_id, "a")).decode()
    # events is not the last member: Postgres takes it out of the whole body.
    body = '{"events":[' + event + "]," + ids(run_id, source_id) + "}"
    await post_raw(client, body.encode())
    assert await payload_texts(db_pool, source_id) == [event]


async def test_normalised_values_are_written_anew(client: Client, db_pool: asyncpg.Pool) -> None:
    source_id, run_id = await running(db_pool)
    plain = created(run_id, source_id, "plain")
    events = [
        plain,
        created(run_id, source_id, "size", metadata={"size": 1024}),
        created(run_id, source_id, "year", metadata={"created_at": "+002025-03-04T05:06:07Z"}),
        created(
            run_id, source_id, "digits", metadata={"updated_at": "2025-03-04T05:06:07.1234567Z"}
        ),
        created(run_id, source_id, "offset", metadata={"created_at": "2025-03-04T06:06:07+01:00"}),
        created(run_id, source_id, "attrs", attributes={}),
        created(run_id, source_id, "unknown", metadata={"title": "t", "colour": "red"}),
        created(run_id, source_id, "flag", permissions={**PUBLIC, "public": "yes"}),
    ]
    body = {"sync_run_id": run_id, "source_id": source_id, "events": events}
    await post_raw(client, orjson.dumps(body))
    rows = await db_pool.fetch(
        "SELECT payload FROM event_queue WHERE source_id = $1 ORDER BY seq", source_id
    )
    payloads = {row["payload"]["document_id"]: row["payload"] for row in rows}
    assert list(payloads) == [e["document_id"] for e in events]
    assert payloads["plain"] == plain
    assert payloads["size"]["metadata"] == {"size": "1024"}
    assert payloads["year"]["metadata"]["created_at"] == "2025-03-04T05:06:07.000000Z"
    assert payloads["digits"]["metadata"]["updated_at"] == "2025-03-04T05:06:07.123456Z"
    assert payloads["offset"]["metadata"]["created_at"] == "2025-03-04T05:06:07.000000Z"
    assert "attributes" not in payloads["attrs"]
    assert payloads["unknown"]["metadata"] == {"title": "t"}
    assert payloads["flag"]["permissions"]["public"] is True


async def test_numbers_only_pydantic_reads_are_written_anew(
    client: Client, db_pool: asyncpg.Pool
) -> None:
    source_id, run_id = await running(db_pool)
    for number in ("NaN", "1e400", "-Infinity"):
        event = orjson.dumps(created(run_id, source_id, number)).decode()
        event = event.replace(f'"title":"{number}"', '"title":"t","extra":{"v":' + number + "}")
        body = "{" + ids(run_id, source_id) + ',"events":[' + event + "]}"
        await post_raw(client, body.encode())
    rows = await db_pool.fetch(
        "SELECT payload FROM event_queue WHERE source_id = $1 ORDER BY seq", source_id
    )
    assert [row["payload"]["metadata"]["extra"] for row in rows] == [{"v": None}] * 3


async def test_text_postgres_refuses_is_written_anew(client: Client, db_pool: asyncpg.Pool) -> None:
    source_id, run_id = await running(db_pool)
    event = orjson.dumps(created(run_id, source_id, "a")).decode()
    head = "{" + ids(run_id, source_id)
    # Not JSON to Postgres (NaN outside the events), and events followed by an array member.
    await post_raw(client, (head + ',"x":NaN,"events":[' + event + "]}").encode())
    await post_raw(client, (head + ',"events":[' + event + '],"x":[1]}').encode())
    texts = await payload_texts(db_pool, source_id)
    assert [orjson.loads(text) for text in texts] == [orjson.loads(event)] * 2
    assert event not in texts  # written anew (sluice_sdk.models order: ids first)


async def test_bad_event_anywhere_queues_nothing(client: Client, db_pool: asyncpg.Pool) -> None:
    source_id, run_id = await running(db_pool)
    events = [created(run_id, source_id, f"d{i}") for i in range(50)]
    events[49]["metadata"] = {"created_at": "2025-03-04T05:06:07"}  # naive: 422
    body = orjson.dumps({"sync_run_id": run_id, "source_id": source_id, "events": events})
    resp = await client.post("/sdk/events/batch", data=body, headers=JSON)
    assert resp.status == 422
    events[49] = created(run_id, "another-source", "d49")  # §4.2 step 5: 400
    body = orjson.dumps({"sync_run_id": run_id, "source_id": source_id, "events": events})
    resp = await client.post("/sdk/events/batch", data=body, headers=JSON)
    assert resp.status == 400
    assert await payload_texts(db_pool, source_id) == []
    emitted = await db_pool.fetchval(
        "SELECT documents_emitted FROM sync_runs WHERE id = $1", run_id
    )
    assert emitted == 0


async def test_concurrent_batches_of_a_source_commit_in_seq_order(
    client: Client, db_pool: asyncpg.Pool
) -> None:
    """§10.2: whatever a reader sees of a source's queue is a prefix of it in seq order, and
    the rows of one batch are consecutive."""
    source_id, run_id = await running(db_pool)
    batches = [
        orjson.dumps(
            {
                "sync_run_id": run_id,
                "source_id": source_id,
                "events": [created(run_id, source_id, f"b{b}-{i}") for i in range(40)],
            }
        )
        for b in range(12)
    ]
    seen: list[list[int]] = []
    done = asyncio.Event()

    async def observe() -> None:
        async with db_pool.acquire() as conn:
            while not done.is_set():
                seqs = await conn.fetchval(
                    "SELECT coalesce(array_agg(seq ORDER BY seq), '{}') FROM event_queue"
                    " WHERE source_id = $1",
                    source_id,
                )
                seen.append(list(seqs))
                await asyncio.sleep(0)

    observer = asyncio.create_task(observe())
    try:
        await asyncio.gather(*(post_raw(client, body) for body in batches))
    finally:
        done.set()
        await observer
    rows = await db_pool.fetch(
        "SELECT seq, payload->>'document_id' AS id FROM event_queue WHERE source_id = $1"
        " ORDER BY seq",
        source_id,
    )
    final = [row["seq"] for row in rows]
    assert len(final) == 12 * 40
    for snapshot in seen:
        assert snapshot == final[: len(snapshot)]
    batch_of = [row["id"].split("-")[0] for row in rows]
    for start in range(0, len(batch_of), 40):
        block = batch_of[start : start + 40]
        assert block == [block[0]] * 40
        assert [row["id"] for row in rows[start : start + 40]] == [
            f"{block[0]}-{i}" for i in range(40)
        ]


async def test_indexer_applies_text_with_nulls_and_unknown_members(
    client: Client, db_pool: asyncpg.Pool, db_url: str
) -> None:
    """The text as written reaches the indexer: null means absent (§5.2), unknown members are
    ignored (§1.3)."""
    source_id, run_id = await running(db_pool)
    blob = await client.post(
        "/sdk/content", json={"sync_run_id": run_id, "content": "tide tables"}, headers=AUTH
    )
    content_id = (await blob.json())["content_id"]
    first = created(run_id, source_id, "doc", content_id=content_id, attributes={"k": "v"})
    first["metadata"] = {"title": "Tides", "url": None, "author": None}
    first["unknown"] = [1, {"x": None}]
    update = {
        **created(run_id, source_id, "doc", content_id=content_id),
        "type": "document_updated",
        "metadata": {"title": None, "path": "/p"},
        "permissions": None,
        "attributes": None,
    }
    body = {"sync_run_id": run_id, "source_id": source_id, "events": [first]}
    await post_raw(client, orjson.dumps(body))
    worker = Worker(db_pool, indexer_factories.settings(db_url))
    await worker.run(burst=True)
    await post_raw(client, orjson.dumps({**body, "events": [update]}))
    assert (await payload_texts(db_pool, source_id))[-1] == orjson.dumps(update).decode()
    await worker.run(burst=True)
    stored = await db_pool.fetchrow(
        "SELECT title, metadata, permissions, attributes FROM documents"
        " WHERE source_id = $1 AND external_id = 'doc'",
        source_id,
    )
    assert stored is not None
    assert stored["title"] == "Tides"  # a null title keeps the stored one (§10.6)
    assert stored["metadata"] == {"path": "/p"}
    assert stored["permissions"] == PUBLIC
    assert stored["attributes"] == {"k": "v"}
