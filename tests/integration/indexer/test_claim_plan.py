"""The claim's plan stays bounded by the batch as the queue grows (issue 20, style.md item 2).

The queue is filled like a deep one, in miniature: many sources with skewed backlogs, some keys
with several pending events, a tail of finished rows, then ANALYZE (the state autovacuum leaves a
queue that has been waiting). The planner runs with its default settings: a check made with
``enable_seqscan = off`` would pass whatever the query did. Two plans are checked:

* the custom plan, the one each claim gets for its own arguments;
* the generic plan (``plan_cache_mode = force_generic_plan``): asyncpg keeps the claim as a
  prepared statement, and after five executions Postgres may switch to the generic plan, where
  ``LIMIT $2`` is an unknown (estimated at a tenth of the rows) instead of the batch size.

Each must reach the pending rows through ``event_queue_pending_idx`` in seq order, lock them
under the Limit (Limit → LockRows → Index Scan, so the Limit bounds the rows touched), check a
candidate's older rows by probing ``event_queue_open_key_idx`` on its own key, and reach the rows
to update by their primary key: no Seq Scan, no Sort, no Hash join over the queue. The shape
must not change when the queue grows fourfold. Only the plan is read (EXPLAIN without ANALYZE): no
timing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from sluice_sql.query_loader import QUERIES

BATCH = 500
SOURCES = 40

# Row g comes from source k = 1 + floor(SOURCES * u^3) with u a hash of g (a skew toward the first
# sources, deterministic); every 50th row repeats the key (and source) of the row before it.
FILL = """
INSERT INTO event_queue (source_id, sync_run_id, event_type, entity_kind, entity_key, payload,
    status, finished_at)
SELECT 's' || k, 'r' || k, 'document_created', 'document', 'k' || key, '{}'::json, $3,
    CASE WHEN $3 = 'completed' THEN now() END
FROM (
    SELECT g, key,
        1 + floor($2 * power((hashint4(key) & 2147483647) / 2147483648.0, 3))::int AS k
    FROM (
        SELECT g, CASE WHEN g % 50 = 0 THEN g - 1 ELSE g END AS key
        FROM generate_series($1::int, $1::int + $4::int - 1) g
    ) keyed
) drawn
ORDER BY g
"""

Plan = dict[str, Any]


def _nodes(plan: Plan) -> Iterator[Plan]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _shape(plan: Plan) -> tuple[Any, ...]:
    """Node types and indexes, the tree without estimates."""
    return (
        plan["Node Type"],
        plan.get("Index Name"),
        tuple(_shape(child) for child in plan.get("Plans", [])),
    )


async def _explain(conn: asyncpg.Connection, generic: bool) -> Plan:
    if generic:
        # EXPLAIN with bound arguments plans them as constants; EXPLAIN EXECUTE of a prepared
        # statement goes through the plan cache, as the indexer's claims do.
        await conn.execute("PREPARE claim_plan AS " + QUERIES.claim_events)
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        explained = await conn.fetchval(
            f"EXPLAIN (FORMAT JSON) EXECUTE claim_plan(now(), {BATCH}, gen_random_uuid())"
        )
        await conn.execute("DEALLOCATE claim_plan")
    else:
        explained = await conn.fetchval(
            "EXPLAIN (FORMAT JSON) " + QUERIES.claim_events,
            datetime.now(UTC),
            BATCH,
            uuid.uuid4(),
        )
    # The pool's json codec has decoded it already; a bare connection hands over text.
    document = json.loads(explained) if isinstance(explained, str) else explained
    plan: Plan = document[0]["Plan"]
    return plan


def _outer(node: Plan) -> Plan | None:
    """The input a node reads rows from (not its InitPlans or SubPlans)."""
    inputs = [c for c in node.get("Plans", []) if c.get("Parent Relationship") == "Outer"]
    return inputs[0] if len(inputs) == 1 else None


def _below(node: Plan) -> Plan | None:
    """The first input under ``node`` that is not a pass-through (a Result with a one-time
    filter, here: "no retry was claimed")."""
    child = _outer(node)
    while child is not None and child["Node Type"] == "Result":
        child = _outer(child)
    return child


async def _fill(conn: asyncpg.Connection, first: int, completed: int, pending: int) -> None:
    """Finished rows (kept by a retention > 0), then the waiting ones after them."""
    await conn.execute(FILL, first, SOURCES, "completed", completed)
    await conn.execute(FILL, first + completed, SOURCES, "pending", pending)
    await conn.execute("ANALYZE event_queue")


def _check_bounded(plan: Plan, generic: bool) -> None:
    nodes = list(_nodes(plan))
    types = [n["Node Type"] for n in nodes]
    unbounded = {"Seq Scan", "Sort", "Incremental Sort", "Hash Join", "Merge Join"}
    assert not unbounded.intersection(types), plan
    assert not any(t.startswith("Bitmap") for t in types), plan

    # Fresh rows: Limit → LockRows → forward scan of the pending index, so at most the batch is
    # locked and read (with SKIP LOCKED, plus rows other workers hold).
    scans = {
        id(n): _below(lock)
        for n in nodes
        if n["Node Type"] == "Limit"
        and (lock := _outer(n)) is not None
        and lock["Node Type"] == "LockRows"
    }
    limits = [
        n
        for n in nodes
        if (scan := scans.get(id(n))) is not None
        and scan.get("Index Name") == "event_queue_pending_idx"
    ]
    assert len(limits) == 1, plan
    scan = scans[id(limits[0])]
    assert scan is not None
    assert (scan["Node Type"], scan["Scan Direction"]) == ("Index Scan", "Forward"), scan
    if not generic:
        # A generic plan estimates LIMIT $2 at a tenth of the rows; the executor still stops
        # at the batch, so only the custom plan's estimate is checked.
        assert limits[0]["Plan Rows"] <= BATCH, limits[0]

    # Due retries: their own (empty in steady state) partial index, one row at most.
    retry = [n for n in nodes if n.get("Index Name") == "event_queue_retry_idx"]
    assert retry, plan

    # The older-row check: one probe of the candidate's own key.
    probes = [n for n in nodes if n.get("Index Name") == "event_queue_open_key_idx"]
    assert any(
        "source_id = c.source_id" in p.get("Index Cond", "")
        and "entity_key = c.entity_key" in p.get("Index Cond", "")
        for p in probes
    ), plan

    # The update finds each chosen row by its primary key.
    update = next(n for n in nodes if n["Node Type"] == "ModifyTable")
    assert any(n.get("Index Name") == "event_queue_pkey" for n in _nodes(update)), update


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
async def test_claim_plan_is_bounded_by_the_batch(db_pool: asyncpg.Pool, generic: bool) -> None:
    async with db_pool.acquire() as conn:
        await _fill(conn, 1, completed=5_000, pending=20_000)
        small = await _explain(conn, generic)
        _check_bounded(small, generic)

        await _fill(conn, 25_001, completed=15_000, pending=60_000)
        large = await _explain(conn, generic)
        _check_bounded(large, generic)
    assert _shape(large) == _shape(small)


@pytest.mark.parametrize("name", ["complete_events", "delete_completed_events"])
async def test_completion_reads_only_claimed_rows(db_pool: asyncpg.Pool, name: str) -> None:
    """A completion reaches its rows by primary key, or through the partial index of rows in
    flight (what the planner picks while few are): never by reading the waiting queue."""
    async with db_pool.acquire() as conn:
        await _fill(conn, 1, completed=5_000, pending=20_000)
        seqs = list(range(5_001, 5_001 + BATCH))
        args: list[Any] = [seqs, uuid.uuid4()]
        if name == "complete_events":
            args.append(datetime.now(UTC))
        explained = await conn.fetchval("EXPLAIN (FORMAT JSON) " + QUERIES[name].sql, *args)
    document = json.loads(explained) if isinstance(explained, str) else explained
    scans = [n for n in _nodes(document[0]["Plan"]) if "Scan" in n["Node Type"]]
    assert len(scans) == 1, document
    assert scans[0]["Node Type"] == "Index Scan", document
    assert scans[0]["Index Name"] in {"event_queue_pkey", "event_queue_processing_idx"}, document
