"""The indexer's exception root."""

from __future__ import annotations


class IndexerError(Exception):
    """Root of every error the indexer raises on purpose."""


class InvalidEventError(IndexerError):
    """A queued payload does not have the shape of protocol §5.1; only that event fails."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"invalid payload of event {seq}: {reason}")
        self.seq = seq
        self.reason = reason


class SideTaskError(IndexerError):
    """A worker side task (listener, sweeper, retention) stopped unexpectedly."""

    def __init__(self, task_name: str) -> None:
        super().__init__(f"worker side task {task_name!r} stopped unexpectedly")
        self.task_name = task_name
