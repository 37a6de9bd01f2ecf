"""Bulk application of planned operations to documents, tombstones and groups (protocol §10.6).

One statement per kind per round; a round's keys are pairwise distinct, so an ``INSERT … ON
CONFLICT`` never meets the same row twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg
import orjson

from sluice_indexer.events import DocDelete, DocUpsert, GroupSync, Plan, Round, Sweep
from sluice_sql.query_loader import QUERIES


async def upsert_documents(
    conn: asyncpg.Connection, ops: Sequence[DocUpsert], run_ids: Mapping[int, str], now: datetime
) -> None:
    if not ops:
        return
    stale = await conn.fetch(
        QUERIES.upsert_documents,
        [o.source_id for o in ops],
        [o.external_id for o in ops],
        [o.content_id for o in ops],
        [o.title for o in ops],
        [o.url for o in ops],
        [o.metadata for o in ops],
        [o.permissions for o in ops],
        [o.attributes for o in ops],
        [o.seq for o in ops],
        [run_ids[o.seq] for o in ops],
        now,
        [o.event_digest for o in ops],
    )
    if stale:
        # Only when a concurrent sweep removed a row between the statement's snapshot and its
        # insert; see the comment on upsert_documents in sql/queries/indexer.sql.
        await conn.execute(QUERIES.repair_tsv, [r["id"] for r in stale])


async def delete_documents(
    conn: asyncpg.Connection, ops: Sequence[DocDelete], now: datetime
) -> None:
    if not ops:
        return
    await conn.execute(
        QUERIES.delete_documents,
        [o.source_id for o in ops],
        [o.external_id for o in ops],
        [o.seq for o in ops],
        now,
    )


async def sync_groups(conn: asyncpg.Connection, ops: Sequence[GroupSync], now: datetime) -> None:
    if not ops:
        return
    await conn.execute(
        QUERIES.sync_groups,
        [o.source_id for o in ops],
        [o.group_email for o in ops],
        [o.name for o in ops],
        [orjson.dumps(list(o.members)).decode("utf-8") for o in ops],
        [o.seq for o in ops],
        now,
    )


async def sweep(conn: asyncpg.Connection, op: Sweep, now: datetime) -> int:
    count: int = await conn.fetchval(
        QUERIES.sweep_source_documents, op.source_id, op.start_seq, op.sync_run_id, op.seq, now
    )
    return count


async def apply_round(
    conn: asyncpg.Connection, round_: Round, run_ids: Mapping[int, str], now: datetime
) -> None:
    await upsert_documents(conn, round_.upserts, run_ids, now)
    await delete_documents(conn, round_.deletes, now)
    await sync_groups(conn, round_.groups, now)


async def apply_plan(
    conn: asyncpg.Connection, plan: Plan, run_ids: Mapping[int, str], now: datetime
) -> None:
    for round_ in plan.rounds:
        await apply_round(conn, round_, run_ids, now)
    for op in plan.sweeps:
        await sweep(conn, op, now)


async def add_runs_processed(
    conn: asyncpg.Connection, counts: Mapping[str, int], now: datetime
) -> None:
    if not counts:
        return
    ids = sorted(counts)
    await conn.execute(QUERIES.add_runs_processed, ids, [counts[i] for i in ids], now)
