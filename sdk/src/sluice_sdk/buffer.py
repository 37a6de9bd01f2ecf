"""The per-run event buffer and its flush rule (protocol §3.7 item 5). Pure: time is a parameter."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from sluice_sdk.models import SyncMode

DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024
"""Well under the manager's 32 MiB bulk body limit (§1.3), so one batch never gets 413."""


@dataclass(frozen=True, slots=True)
class FlushPolicy:
    max_events: int
    max_age_seconds: float
    max_bytes: int = DEFAULT_MAX_BATCH_BYTES


DEFAULT_FLUSH_POLICIES: dict[SyncMode, FlushPolicy] = {
    "full": FlushPolicy(max_events=500, max_age_seconds=5.0),
    "incremental": FlushPolicy(max_events=100, max_age_seconds=2.0),
    # Size 1 flushes every event at once; the age never comes into play.
    "realtime": FlushPolicy(max_events=1, max_age_seconds=0.0),
}


class EventBuffer:
    """Serialised events waiting for a batch. Events leave only after the manager took them."""

    def __init__(self, policy: FlushPolicy) -> None:
        self.policy = policy
        self._events: deque[tuple[bytes, float]] = deque()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._events)

    def add(self, payload: bytes, now: float) -> None:
        self._events.append((payload, now))
        self._bytes += len(payload) + 1

    def is_full(self) -> bool:
        return len(self._events) >= self.policy.max_events or self._bytes >= self.policy.max_bytes

    def due_at(self) -> float | None:
        """When the oldest event reaches the age limit; None when empty."""
        if not self._events:
            return None
        return self._events[0][1] + self.policy.max_age_seconds

    def is_due(self, now: float) -> bool:
        due = self.due_at()
        return due is not None and now >= due

    def next_batch(self) -> list[bytes]:
        """The oldest events, up to the policy's count and byte size (at least one)."""
        batch: list[bytes] = []
        size = 0
        for payload, _ in self._events:
            if batch and (
                len(batch) >= self.policy.max_events or size + len(payload) > self.policy.max_bytes
            ):
                break
            batch.append(payload)
            size += len(payload) + 1
        return batch

    def drop(self, count: int) -> None:
        """Forget the ``count`` oldest events, once the manager has acknowledged them."""
        for _ in range(count):
            payload, _ = self._events.popleft()
            self._bytes -= len(payload) + 1
