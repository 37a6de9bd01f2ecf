"""The flush rule of protocol §3.7 item 5, as a pure function of time."""

from __future__ import annotations

from sluice_sdk.buffer import DEFAULT_FLUSH_POLICIES, EventBuffer, FlushPolicy


def test_default_sizes_and_ages_follow_the_protocol() -> None:
    assert DEFAULT_FLUSH_POLICIES["full"].max_events == 500
    assert DEFAULT_FLUSH_POLICIES["full"].max_age_seconds == 5.0
    assert DEFAULT_FLUSH_POLICIES["incremental"].max_events == 100
    assert DEFAULT_FLUSH_POLICIES["incremental"].max_age_seconds == 2.0
    assert DEFAULT_FLUSH_POLICIES["realtime"].max_events == 1


def test_full_by_count() -> None:
    buffer = EventBuffer(FlushPolicy(max_events=3, max_age_seconds=5))
    for i in range(2):
        buffer.add(b"{}", now=float(i))
        assert not buffer.is_full()
    buffer.add(b"{}", now=2.0)
    assert buffer.is_full()


def test_full_by_bytes() -> None:
    buffer = EventBuffer(FlushPolicy(max_events=100, max_age_seconds=5, max_bytes=10))
    buffer.add(b"12345", now=0)
    assert not buffer.is_full()
    buffer.add(b"12345", now=0)
    assert buffer.is_full()


def test_age_counts_from_the_oldest_event() -> None:
    buffer = EventBuffer(FlushPolicy(max_events=100, max_age_seconds=2))
    assert buffer.due_at() is None
    buffer.add(b"a", now=10.0)
    buffer.add(b"b", now=11.5)
    assert buffer.due_at() == 12.0
    assert not buffer.is_due(11.9)
    assert buffer.is_due(12.0)


def test_batches_respect_count_and_bytes_and_drop_only_what_was_sent() -> None:
    buffer = EventBuffer(FlushPolicy(max_events=2, max_age_seconds=5, max_bytes=100))
    for payload in (b"a", b"b", b"c"):
        buffer.add(payload, now=0)
    batch = buffer.next_batch()
    assert batch == [b"a", b"b"]
    buffer.add(b"d", now=1)  # arrives while the batch is in flight
    buffer.drop(len(batch))
    assert buffer.next_batch() == [b"c", b"d"]
    assert buffer.due_at() == 5.0


def test_an_event_larger_than_the_byte_limit_still_goes_alone() -> None:
    buffer = EventBuffer(FlushPolicy(max_events=10, max_age_seconds=5, max_bytes=4))
    buffer.add(b"0123456789", now=0)
    buffer.add(b"x", now=0)
    assert buffer.next_batch() == [b"0123456789"]
