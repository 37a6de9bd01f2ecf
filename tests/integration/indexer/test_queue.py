"""Claim, failure, retry, visibility timeout and dead letters (protocol §10.4, §10.5)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from sluice_indexer import queue
from sluice_indexer.worker import Worker
from sluice_runtime.clock import FrozenClock
from sluice_sql.query_loader import QUERIES
from tests.integration.indexer import factories as f


def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC))


@pytest.mark.parametrize(("attempts", "delay"), [(1, 5), (2, 10), (3, 20), (6, 160), (7, 300)])
def test_retry_delay(attempts: int, delay: float) -> None:
    assert queue.retry_delay_seconds(attempts) == delay


async def test_poison_event_dead_letters_after_max_attempts_and_neighbours_are_indexed(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        good = await f.add_blob(conn, "good text")
        seqs = await f.enqueue(
            conn,
            source,
            run,
            [
                f.created("before", good, title="Before"),
                f.created("poison", "no-such-blob", title="Poison"),
                f.created("after", good, title="After"),
            ],
        )
    poison = seqs[1]
    tick = clock()
    worker = Worker(db_pool, f.settings(db_url, queue_max_attempts=3), clock=tick)
    await worker.run(burst=True)
    async with db_pool.acquire() as conn:
        docs = await f.documents(conn, source)
        rows = await f.queue_rows(conn)
    assert set(docs) == {"before", "after"}
    assert rows[poison]["status"] == "pending"
    assert rows[poison]["attempts"] == 1
    assert rows[poison]["last_error"] == "content blob no-such-blob not found"
    assert (rows[poison]["available_at"] - tick.now()).total_seconds() == 5

    for attempt, delay in ((2, 10), (3, None)):
        await worker.run(burst=True)  # still backing off: nothing is claimed
        async with db_pool.acquire() as conn:
            assert (await f.queue_rows(conn))[poison]["attempts"] == attempt - 1
        tick.advance(300)
        await worker.run(burst=True)
        async with db_pool.acquire() as conn:
            row = (await f.queue_rows(conn))[poison]
        assert row["attempts"] == attempt
        if delay is None:
            assert row["status"] == "dead_letter"
        else:
            assert row["status"] == "pending"
            assert (row["available_at"] - tick.now()).total_seconds() == delay
    assert worker.stats.failed == 3


async def test_later_event_of_a_failed_key_waits_for_it(db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        good = await f.add_blob(conn, "good")
        seqs = await f.enqueue(
            conn,
            source,
            run,
            [f.created("d", "missing", title="One"), f.updated("d", good, title="Two")],
        )
    tick = clock()
    worker = Worker(db_pool, f.settings(db_url, queue_max_attempts=1), clock=tick)
    await worker.run(burst=True)
    async with db_pool.acquire() as conn:
        rows = await f.queue_rows(conn)
        docs = await f.documents(conn, source)
    # The first is dead at once (max 1 attempt); the second was given back uncounted, then
    # claimed again once its key had no open lower row, and applied.
    assert rows[seqs[0]]["status"] == "dead_letter"
    assert seqs[1] not in rows
    assert docs["d"]["title"] == "Two"


async def test_retry_row_is_claimed_alone(db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "x")
        seqs = await f.enqueue(conn, source, run, [f.created(str(i), blob) for i in range(5)])
        await conn.execute("UPDATE event_queue SET attempts = 1 WHERE seq = $1", seqs[2])
        claimed = await queue.claim(conn, datetime.now(UTC), 500)
        assert [e.seq for e in claimed.events] == [seqs[2]]
        assert claimed.events[0].attempts == 2
        rest = await queue.claim(conn, datetime.now(UTC), 500)
    assert [e.seq for e in rest.events] == [s for s in seqs if s != seqs[2]]


async def test_claim_holds_a_key_against_other_claims(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "x")
        seqs = await f.enqueue(
            conn, source, run, [f.created("a", blob), f.created("b", blob), f.updated("a", blob)]
        )
        first = await queue.claim(conn, datetime.now(UTC), 1)
        assert [e.seq for e in first.events] == [seqs[0]]
        # "a" is processing: its later event must not be claimed, "b" may.
        second = await queue.claim(conn, datetime.now(UTC), 500)
    assert [e.seq for e in second.events] == [seqs[1]]


async def test_expired_claim_is_a_failure_and_dead_letters_at_max(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "x")
        [seq] = await f.enqueue(conn, source, run, [f.created("d", blob)])
    tick = clock()
    worker = Worker(
        db_pool,
        f.settings(db_url, queue_visibility_timeout_seconds=60, queue_max_attempts=2),
        clock=tick,
    )
    for attempt in (1, 2):
        async with db_pool.acquire() as conn:
            claimed = await queue.claim(conn, tick.now(), 10)  # a worker that then hangs
        assert [e.seq for e in claimed.events] == [seq]
        assert await worker.expire_claims() == {}  # not yet expired
        tick.advance(61)
        expected = "pending" if attempt == 1 else "dead_letter"
        assert await worker.expire_claims() == {seq: expected}
        async with db_pool.acquire() as conn:
            row = (await f.queue_rows(conn))[seq]
            assert row["last_error"] == "claim expired after 60 s"
            # The hung worker's late completion no longer matches its claim.
            assert (
                await queue.complete(conn, [seq], claimed.token, tick.now(), delete=True) == set()
            )
        tick.advance(300)


async def test_claim_uses_the_pending_index(db_pool: asyncpg.Pool) -> None:
    """style.md item 2: the claim must not scan the queue (cf. pgqueuer's plan regression test)."""
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key,"
            " payload, status) SELECT 's' || (g % 10), 'r', 'document_created', 'document',"
            " 'k' || g, '{}'::json, CASE WHEN g % 20 = 0 THEN 'pending' ELSE 'dead_letter' END"
            " FROM generate_series(1, 20000) g"
        )
        await conn.execute("ANALYZE event_queue")
        # A test queue is small enough that a full scan looks cheap; a real one is not.
        await conn.execute("SET enable_seqscan = off")
        plan = await conn.fetch("EXPLAIN " + QUERIES.claim_events, datetime.now(UTC), 500, None)
    text = "\n".join(r[0] for r in plan)
    assert "Index Scan using event_queue_pending_idx" in text, text
    assert "event_queue_retry_idx" in text, text
    # The key rule is one index probe per candidate, not a join over every open row.
    assert "Index Cond: ((source_id = c.source_id) AND (entity_kind = c.entity_kind)" in text
    assert "Seq Scan" not in text, text
    assert "Bitmap" not in text, text


async def test_invalid_payload_fails_only_that_event(db_pool: asyncpg.Pool, db_url: str) -> None:
    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "x")
        seqs = await f.enqueue(
            conn,
            source,
            run,
            [
                f.created("a", blob),
                {"type": "document_deleted", "document_id": ""},
                f.created("b", blob),
            ],
        )
    worker = Worker(db_pool, f.settings(db_url, queue_max_attempts=1))
    await worker.run(burst=True)
    async with db_pool.acquire() as conn:
        rows = await f.queue_rows(conn)
        docs = await f.documents(conn, source)
    assert set(docs) == {"a", "b"}
    assert list(rows) == [seqs[1]]
    assert rows[seqs[1]]["status"] == "dead_letter"
    assert "document_id must be a non-empty string" in rows[seqs[1]]["last_error"]


async def test_a_batch_whose_claim_was_taken_away_has_no_effect(
    db_pool: asyncpg.Pool, db_url: str
) -> None:
    from sluice_indexer import batch as batches

    async with db_pool.acquire() as conn:
        source = await f.add_source(conn)
        run = await f.add_run(conn, source)
        blob = await f.add_blob(conn, "x")
        await f.enqueue(conn, source, run, [f.created("a", blob, title="late")])
        tick = clock()
        slow = await queue.claim(conn, tick.now(), 10)
        tick.advance(400)
        await queue.expire(conn, tick.now(), 300, 5)  # the slow worker's claim expired...
        tick.advance(10)
        fresh = await queue.claim(conn, tick.now(), 10)  # ...and another worker took the row
        assert [e.seq for e in fresh.events] == [e.seq for e in slow.events]
        options = batches.Options(max_attempts=5, delete_completed=True)
        late = await batches.process(conn, slow, tick.now(), options)
        assert late.completed == 0
        assert await f.documents(conn, source) == {}  # rolled back with the failed completion
        done = await batches.process(conn, fresh, tick.now(), options)
        assert done.completed == 1
        assert (await f.documents(conn, source))["a"]["title"] == "late"


async def test_claim_probes_the_key_index_before_statistics_exist(db_pool: asyncpg.Pool) -> None:
    """A queue just filled by one busy source, never analysed: each candidate's older-row check
    must stay a probe of its own key, not a walk over every lower row of the source (quadratic)."""
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key,"
            " payload) SELECT 's', 'r', 'document_created', 'document', 'k' || g, '{}'::json"
            " FROM generate_series(1, 5000) g"
        )
        plan = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) " + QUERIES.claim_events, datetime.now(UTC), 500, None
        )
    text = "\n".join(r[0] for r in plan)
    probe = "Index Cond: ((source_id = c.source_id) AND (entity_kind = c.entity_kind)"
    assert probe in text, text
    assert "Rows Removed by Filter" not in text.split(probe, 1)[1].split("->", 1)[0], text
