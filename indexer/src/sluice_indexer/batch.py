"""Applying one claimed batch (protocol §10.5, §10.6).

Happy path: one transaction that completes the rows still owned by the claim, applies them in
bulk and counts them on their runs. If a statement fails because of an event (a missing blob, a
constraint), that transaction rolls back and the batch is replayed one event at a time, each in a
savepoint, so one event's failure never undoes another's success.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import structlog

from sluice_indexer import queue
from sluice_indexer.apply import add_runs_processed, apply_plan
from sluice_indexer.errors import IndexerError, InvalidEventError
from sluice_indexer.events import Claimed, DocUpsert, Op, parse, plan, processed_counts

log = structlog.get_logger(__name__)

# SQLSTATE classes that say the connection or server is in trouble, not the event: such errors
# are not charged to the event (the claim expires and counts the attempt instead).
_INFRASTRUCTURE_STATES = ("08", "53", "57P", "58", "XX")


def is_event_error(exc: BaseException) -> bool:
    if not isinstance(exc, asyncpg.PostgresError):
        return False
    state = exc.sqlstate or ""
    return not state.startswith(_INFRASTRUCTURE_STATES)


@dataclass(slots=True)
class Outcome:
    completed: int = 0
    failed: dict[int, str] = field(default_factory=dict)
    released: int = 0
    fell_back: bool = False


@dataclass(frozen=True, slots=True)
class Options:
    max_attempts: int
    delete_completed: bool


class _ClaimLost(IndexerError):
    """The row's claim was taken away (visibility timeout); its effect must be rolled back."""


def _message(exc: BaseException, op: Op | None) -> str:
    column = getattr(exc, "column_name", None)
    if isinstance(exc, asyncpg.NotNullViolationError) and column == "content":
        content_id = op.content_id if isinstance(op, DocUpsert) else "?"
        return f"content blob {content_id} not found"
    return f"{type(exc).__name__}: {exc}"


async def process(
    conn: asyncpg.Connection,
    batch: queue.Batch,
    now: datetime,
    options: Options,
) -> Outcome:
    events = batch.events
    run_ids = {e.seq: e.sync_run_id for e in events}
    try:
        ops = {e.seq: parse(e) for e in events}
    except InvalidEventError:
        return await _one_by_one(conn, batch, now, options, run_ids)
    try:
        async with conn.transaction():
            owned = await queue.complete(
                conn, list(ops), batch.token, now, delete=options.delete_completed
            )
            await apply_plan(conn, plan(ops[s] for s in owned), run_ids, now)
            await add_runs_processed(
                conn, processed_counts(e for e in events if e.seq in owned), now
            )
    except asyncpg.PostgresError as exc:
        if not is_event_error(exc):
            raise
        log.warning("indexer_batch_fallback", size=len(events), error=type(exc).__name__)
        return await _one_by_one(conn, batch, now, options, run_ids)
    return Outcome(completed=len(owned))


async def _one_by_one(
    conn: asyncpg.Connection,
    batch: queue.Batch,
    now: datetime,
    options: Options,
    run_ids: dict[int, str],
) -> Outcome:
    outcome = Outcome(fell_back=True)
    errors: dict[int, str] = {}
    blocked: set[tuple[str, str, str]] = set()
    released: list[int] = []
    applied: list[Claimed] = []
    async with conn.transaction():
        for event in batch.events:
            key = (event.source_id, event.entity_kind, event.entity_key)
            if key in blocked:
                # A lower event of this key failed: applying this one now would break seq order.
                released.append(event.seq)
                continue
            error = await _apply_one(conn, event, batch, now, _Context(options, run_ids))
            if error is None:
                applied.append(event)
            elif error:
                errors[event.seq] = error
                blocked.add(key)
        outcome.failed = await queue.fail(conn, errors, batch.token, now, options.max_attempts)
        await queue.release(conn, released, batch.token)
        await add_runs_processed(conn, processed_counts(applied), now)
    outcome.completed = len(applied)
    outcome.released = len(released)
    for seq, status in outcome.failed.items():
        log.warning("indexer_event_failed", seq=seq, status=status, error=errors[seq][:200])
    return outcome


@dataclass(frozen=True, slots=True)
class _Context:
    options: Options
    run_ids: dict[int, str]


async def _apply_one(
    conn: asyncpg.Connection, event: Claimed, batch: queue.Batch, now: datetime, ctx: _Context
) -> str | None:
    """None on success, "" when the claim was lost, else the failure message."""
    op: Op | None = None
    try:
        async with conn.transaction():
            op = parse(event)
            await apply_plan(conn, plan([op]), ctx.run_ids, now)
            owned = await queue.complete(
                conn, [event.seq], batch.token, now, delete=ctx.options.delete_completed
            )
            if not owned:
                raise _ClaimLost()
    except _ClaimLost:
        return ""
    except InvalidEventError as exc:
        return str(exc)
    except asyncpg.PostgresError as exc:
        if not is_event_error(exc):
            raise
        return _message(exc, op)
    return None
