"""The indexer's side of the queue (protocol §10.4, §10.5): claim, complete, fail, expire."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from sluice_indexer.events import Claimed
from sluice_sql.query_loader import QUERIES

# last_error is for operators; a whole traceback does not belong in a queue row.
MAX_ERROR_CHARS = 2000


def retry_delay_seconds(attempts: int) -> float:
    """Backoff before the next claim of a failed row: min(300 s, 5 s * 2^(attempts-1)) (§10.5)."""
    return float(min(300, 5 * 2 ** max(attempts - 1, 0)))


@dataclass(frozen=True, slots=True)
class Batch:
    token: uuid.UUID
    events: list[Claimed]


async def claim(conn: asyncpg.Connection, now: datetime, size: int) -> Batch:
    """One claim statement; an empty batch means nothing is claimable right now."""
    token = uuid.uuid4()
    rows = await conn.fetch(QUERIES.claim_events, now, size, token)
    events = sorted((Claimed.from_record(r) for r in rows), key=lambda e: e.seq)
    return Batch(token=token, events=events)


async def complete(
    conn: asyncpg.Connection,
    seqs: Sequence[int],
    token: uuid.UUID,
    now: datetime,
    *,
    delete: bool,
) -> set[int]:
    """Mark (or delete) the rows this claim still owns; returns their seqs."""
    if not seqs:
        return set()
    if delete:
        rows = await conn.fetch(QUERIES.delete_completed_events, list(seqs), token)
    else:
        rows = await conn.fetch(QUERIES.complete_events, list(seqs), token, now)
    return {r["seq"] for r in rows}


async def fail(
    conn: asyncpg.Connection,
    errors: dict[int, str],
    token: uuid.UUID,
    now: datetime,
    max_attempts: int,
) -> dict[int, str]:
    """Record failures (retry with backoff, or dead letter); returns seq → new status."""
    if not errors:
        return {}
    seqs = list(errors)
    messages = [errors[s][:MAX_ERROR_CHARS] for s in seqs]
    rows = await conn.fetch(QUERIES.fail_events, seqs, messages, token, max_attempts, now)
    return {r["seq"]: r["status"] for r in rows}


async def release(conn: asyncpg.Connection, seqs: Sequence[int], token: uuid.UUID) -> None:
    """Give back rows that were claimed but not attempted, without counting the claim."""
    if seqs:
        await conn.execute(QUERIES.release_events, list(seqs), token)


def timeout_label(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


async def expire(
    conn: asyncpg.Connection, now: datetime, timeout_seconds: float, max_attempts: int
) -> dict[int, str]:
    """Visibility timeout (§10.5): expired claims become failures; returns seq → new status."""
    oldest = now - timedelta(seconds=timeout_seconds)
    rows = await conn.fetch(
        QUERIES.expire_claims, now, oldest, timeout_label(timeout_seconds), max_attempts
    )
    return {r["seq"]: r["status"] for r in rows}
