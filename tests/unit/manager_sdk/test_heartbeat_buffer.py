"""HeartbeatBuffer's memory: which heartbeats it may answer, and how it forgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sluice_manager.registry.heartbeats import HeartbeatBuffer

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_only_remembered_digests_of_online_connectors_are_accepted() -> None:
    buffer = HeartbeatBuffer(ttl_seconds=90)
    assert not buffer.accept("d1", at(0))
    buffer.remember("d1", "c1", at(0))
    assert buffer.accept("d1", at(89))
    assert not buffer.accept("d1", at(90))
    assert not buffer.accept("d2", at(1))
    assert buffer.pending == 1


def test_a_new_digest_for_a_connector_replaces_the_old_one() -> None:
    buffer = HeartbeatBuffer(ttl_seconds=90)
    buffer.remember("old", "c1", at(0))
    buffer.remember("new", "c1", at(10))
    assert not buffer.accept("old", at(11))
    assert buffer.accept("new", at(11))
    assert len(buffer) == 1


def test_prune_drops_expired_connectors_but_keeps_pending_ones() -> None:
    buffer = HeartbeatBuffer(ttl_seconds=90)
    buffer.remember("d1", "c1", at(0))
    buffer.remember("d2", "c2", at(0))
    buffer.remember("d3", "c3", at(50))
    assert buffer.accept("d2", at(80))  # pending, not yet confirmed
    buffer.prune(at(100))
    assert not buffer.accept("d1", at(100))
    assert buffer.accept("d3", at(100))
    assert len(buffer) == 2


def test_a_disabled_buffer_remembers_and_accepts_nothing() -> None:
    buffer = HeartbeatBuffer(ttl_seconds=90, enabled=False)
    buffer.remember("d1", "c1", at(0))
    assert not buffer.accept("d1", at(1))
    assert len(buffer) == 0
