"""Heartbeats coalesced in memory, written once per flush interval in one statement.

Ten thousand connectors re-registering every 30 s is 333 requests a second, nearly all of them the
very body the same connector sent last time. For those the request only has to be remembered:
``HeartbeatBuffer.accept`` answers from memory when this replica itself stored that body's digest
for a connector that was online at its last confirmed heartbeat, and a flusher writes every pending
heartbeat in one ``UPDATE … FROM unnest(…)`` per interval.

The flush only moves rows that still hold the remembered digest and are still online, so a
registration made meanwhile by another replica (a new manifest or URL) or a deleted row is never
overwritten: such entries are forgotten and the connector's next heartbeat takes the full
registration path again. Heartbeats reach the table at most one interval late (default 1 s against
a 90 s TTL); a flush that fails keeps its heartbeats for the next one, and the buffer stops
answering for a connector once its last *confirmed* heartbeat is older than the TTL, so an outage
cannot keep anything online.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog

from sluice_runtime.clock import Clock
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class _Known:
    connector_id: str
    confirmed_at: datetime  # the newest heartbeat of this digest known to be in the table


class HeartbeatBuffer:
    """Digests this replica stored, and the heartbeats waiting for the next flush."""

    def __init__(self, ttl_seconds: float, *, enabled: bool = True) -> None:
        self.enabled = enabled  # False: every heartbeat is written by its own request
        self._ttl = timedelta(seconds=ttl_seconds)
        self._known: dict[str, _Known] = {}  # manifest digest -> connector
        self._digest_of: dict[str, str] = {}  # connector_id -> its remembered digest
        self._pending: dict[str, tuple[str, datetime]] = {}  # connector_id -> (digest, at)

    def __len__(self) -> int:
        return len(self._known)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def remember(self, digest: str, connector_id: str, at: datetime) -> None:
        """Record that the table holds ``digest`` for ``connector_id``, heartbeat ``at``."""
        if not self.enabled:
            return
        previous = self._digest_of.get(connector_id)
        if previous is not None and previous != digest:
            self._known.pop(previous, None)
        self._digest_of[connector_id] = digest
        self._known[digest] = _Known(connector_id, at)

    def accept(self, digest: str, now: datetime, *, connector_id: str | None = None) -> bool:
        """Queue a heartbeat for a body whose digest is stored and whose connector is online (and
        is ``connector_id``, when given)."""
        known = self._known.get(digest) if self.enabled else None
        if known is None or now - known.confirmed_at >= self._ttl:
            return False
        if connector_id is not None and known.connector_id != connector_id:
            return False
        self._pending[known.connector_id] = (digest, now)
        return True

    def forget(self, connector_id: str) -> None:
        digest = self._digest_of.pop(connector_id, None)
        if digest is not None:
            self._known.pop(digest, None)
        self._pending.pop(connector_id, None)

    async def flush(self, conn: asyncpg.Pool | asyncpg.Connection) -> int:
        """Write every pending heartbeat in one statement; the number of rows it moved."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, {}
        ids = list(batch)
        digests = [digest for digest, _ in batch.values()]
        times = [at for _, at in batch.values()]
        try:
            rows = await conn.fetch(
                QUERIES.flush_heartbeats, ids, digests, times, self._ttl.total_seconds()
            )
        except BaseException:
            # Keep them for the next flush, unless a newer heartbeat has replaced them meanwhile.
            for connector_id, entry in batch.items():
                self._pending.setdefault(connector_id, entry)
            raise
        moved = {r["connector_id"] for r in rows}
        for connector_id, (digest, at) in batch.items():
            if connector_id not in moved:
                # Another registration, a deletion or an expiry: the full path decides next time.
                if self._digest_of.get(connector_id) == digest:
                    self.forget(connector_id)
                continue
            known = self._known.get(digest)
            if known is not None and known.confirmed_at < at:
                known.confirmed_at = at
        return len(moved)

    def prune(self, now: datetime) -> None:
        """Drop connectors whose last confirmed heartbeat has expired (bounded memory)."""
        expired = [
            k.connector_id
            for k in self._known.values()
            if now - k.confirmed_at >= self._ttl and k.connector_id not in self._pending
        ]
        for connector_id in expired:
            self.forget(connector_id)


async def flush_every(
    buffer: HeartbeatBuffer, pool: asyncpg.Pool, clock: Clock, interval: float
) -> None:
    """Flush ``buffer`` every ``interval`` seconds until cancelled; prune it once a minute."""
    since_prune = 0.0
    while True:
        await asyncio.sleep(interval)
        try:
            await buffer.flush(pool)
        except Exception:  # keep flushing: the heartbeats stay pending for the next attempt
            log.exception("heartbeat_flush_failed", pending=buffer.pending)
        since_prune += interval
        if since_prune >= 60:
            since_prune = 0.0
            buffer.prune(clock.now())
