"""Due computation, backoff and the circuit breaker as pure functions of ``now`` (§9.3-§9.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sluice_manager.scheduling import policy
from sluice_manager.scheduling.policy import (
    Candidate,
    Limits,
    RealtimeCandidate,
    RunningCounts,
    Streak,
)

NOW = datetime(2026, 3, 4, 12, 0, 0, tzinfo=UTC)
LIMITS = Limits()
IDLE = RunningCounts()
NO_STREAK = Streak()


def _at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def _candidate(
    source_id: str = "s",
    *,
    interval: int | None = 3600,
    cron: str | None = None,
    last_success: datetime | None = None,
    streak: Streak = NO_STREAK,
    modes: tuple[str, ...] = ("full", "incremental"),
) -> Candidate:
    return Candidate(source_id, interval, cron, modes, last_success, streak)


# --- due ------------------------------------------------------------------------------------


def test_never_synced_source_is_due() -> None:
    assert policy.is_due(_candidate(last_success=None), NOW)
    assert policy.is_due(_candidate(interval=None, cron="0 3 * * *", last_success=None), NOW)


def test_source_without_schedule_is_never_due() -> None:
    assert not policy.is_due(_candidate(interval=None, cron=None, last_success=None), NOW)


def test_interval_due_exactly_at_last_success_plus_interval() -> None:
    candidate = _candidate(interval=600, last_success=_at(-600))
    assert policy.is_due(candidate, NOW)
    assert not policy.is_due(candidate, _at(-0.000001))


def test_cron_first_fire_strictly_after_last_success() -> None:
    # A success exactly on a fire time waits for the next one.
    on_fire_time = _candidate(interval=None, cron="0 * * * *", last_success=NOW)
    assert policy.due_at(on_fire_time) == _at(3600)
    assert not policy.is_due(on_fire_time, _at(3599))
    assert policy.is_due(on_fire_time, _at(3600))
    between = _candidate(interval=None, cron="*/15 * * * *", last_success=_at(-60))
    assert policy.due_at(between) == NOW
    assert policy.is_due(between, NOW)


def test_cron_is_evaluated_in_utc() -> None:
    candidate = _candidate(interval=None, cron="30 2 * * *", last_success=NOW)
    assert policy.due_at(candidate) == datetime(2026, 3, 5, 2, 30, tzinfo=UTC)


def test_invalid_cron_makes_only_that_source_not_due() -> None:
    bad = _candidate("bad", interval=None, cron="not a cron", last_success=_at(-7200))
    good = _candidate("good", last_success=_at(-7200))
    assert [c.source_id for c in policy.select_due([bad, good], NOW, LIMITS, IDLE)] == ["good"]


# --- backoff and breaker -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (9, 3600), (500, 3600)],
)
def test_backoff_doubles_from_base_to_cap(failures: int, seconds: float) -> None:
    assert policy.backoff_seconds(failures, 30, 3600) == seconds


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_never_exceeds_cap_and_never_shrinks(failures: int) -> None:
    current = policy.backoff_seconds(failures, 30, 3600)
    assert 30 <= current <= 3600
    assert policy.backoff_seconds(failures + 1, 30, 3600) >= current


def test_backoff_holds_a_due_source_until_it_expires() -> None:
    streak = Streak(3, _at(-100))  # 120 s of backoff
    candidate = _candidate(last_success=_at(-90_000), streak=streak)
    assert policy.select_due([candidate], NOW, LIMITS, IDLE) == []
    assert policy.select_due([candidate], _at(20), LIMITS, IDLE) == [candidate]


def test_breaker_opens_at_threshold_and_only_a_success_closes_it() -> None:
    limits = Limits(circuit_breaker_threshold=3, backoff_max_seconds=60)
    open_breaker = _candidate(last_success=_at(-90_000), streak=Streak(3, _at(-86_400)))
    assert policy.breaker_open(open_breaker.streak, limits)
    assert policy.select_due([open_breaker], NOW, limits, IDLE) == []
    # A newer completed run (for example a manual one) ends the streak: the query reports 0.
    closed = _candidate(last_success=_at(-7200), streak=Streak())
    assert policy.select_due([closed], NOW, limits, IDLE) == [closed]
    below = _candidate(last_success=_at(-90_000), streak=Streak(2, _at(-86_400)))
    assert policy.select_due([below], NOW, limits, IDLE) == [below]


def test_streak_walk_limit_covers_breaker_and_backoff_saturation() -> None:
    assert policy.streak_walk_limit(Limits()) == 10
    assert policy.streak_walk_limit(Limits(circuit_breaker_threshold=1)) == 8
    assert policy.streak_walk_limit(Limits(circuit_breaker_threshold=50)) == 50


# --- ordering and limits -------------------------------------------------------------------


def test_order_never_synced_then_oldest_reference_time() -> None:
    fresh = _candidate("fresh", last_success=None)
    old_success = _candidate("old", last_success=_at(-10_000))
    newer_success = _candidate("newer", last_success=_at(-5_000))
    # The reference time of a source in a streak is its newest failure, not its last success.
    failing = _candidate("failing", last_success=_at(-20_000), streak=Streak(1, _at(-7_000)))
    roomy = Limits(max_concurrent_syncs_per_slot=10)
    chosen = policy.select_due([newer_success, failing, old_success, fresh], NOW, roomy, IDLE)
    assert [c.source_id for c in chosen] == ["fresh", "old", "failing", "newer"]


def test_at_most_max_dispatches_per_tick() -> None:
    limits = Limits(max_dispatches_per_tick=2, max_concurrent_syncs=100)
    candidates = [_candidate(f"s{i}", last_success=_at(-7200 - i)) for i in range(5)]
    chosen = policy.select_due(candidates, NOW, limits, IDLE)
    assert [c.source_id for c in chosen] == ["s4", "s3"]


def test_caps_bound_the_selection() -> None:
    candidates = [_candidate(f"s{i}", last_success=None) for i in range(5)]
    limits = Limits(max_concurrent_syncs=10, max_concurrent_syncs_per_slot=3)
    assert len(policy.select_due(candidates, NOW, limits, RunningCounts(9, 0, 9))) == 1
    assert len(policy.select_due(candidates, NOW, limits, RunningCounts(2, 2, 0))) == 1
    assert policy.select_due(candidates, NOW, limits, RunningCounts(10, 3, 7)) == []


def test_scheduled_sync_type() -> None:
    assert policy.scheduled_sync_type(("full", "incremental")) == "incremental"
    assert policy.scheduled_sync_type(("full",)) == "full"
    assert policy.scheduled_sync_type(("incremental", "realtime")) == "incremental"


def test_realtime_backoff_and_no_breaker() -> None:
    idle = RealtimeCandidate("idle")
    backing_off = RealtimeCandidate("b", Streak(1, _at(-10)))
    long_failing = RealtimeCandidate("f", Streak(50, _at(-4000)))
    chosen = policy.select_realtime([idle, backing_off, long_failing], NOW, LIMITS)
    assert [c.source_id for c in chosen] == ["idle", "f"]


_CRON_CASES = [
    "* * * * *",
    "*/5 * * * *",
    "0 * * * *",
    "30 2 * * *",
    "0 9 * * 1",
    "0 0 1 * *",
    "15 10 29 2 *",
]


@pytest.mark.parametrize("expression", _CRON_CASES)
def test_latest_fire_decides_cron_due_exactly_like_first_fire_after_success(
    expression: str,
) -> None:
    """The per-tick shortcut (one latest fire time per expression) equals §9.3's definition
    (the first fire strictly after the last success is ≤ now) for successes all around it."""
    now = datetime(2028, 3, 1, 9, 0, 0, tzinfo=UTC)
    latest = policy.latest_cron_fire(expression, now)
    assert latest is not None
    assert latest <= now
    assert policy.next_cron_fire(expression, latest) > now  # nothing fires between it and now
    offsets = [0, 1, 59, 60, 61, 299, 300, 3599, 3600, 86399, 86400, 7 * 86400, 40 * 86400]
    successes = [latest - timedelta(seconds=o) for o in offsets]
    successes += [
        latest + timedelta(seconds=o) for o in offsets if latest + timedelta(seconds=o) <= now
    ]
    for success in successes:
        candidate = policy.Candidate("s", None, expression, ("full",), success)
        assert policy.cron_is_due(success, latest) == policy.is_due(candidate, now), success
    assert policy.cron_is_due(None, latest)


def test_select_due_uses_the_latest_fire_map_for_cron_sources() -> None:
    now = datetime(2028, 3, 1, 9, 0, 30, tzinfo=UTC)
    fired = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)
    before = policy.Candidate("before", None, "0 9 * * *", ("full",), fired - timedelta(hours=1))
    after = policy.Candidate("after", None, "0 9 * * *", ("full",), fired + timedelta(seconds=1))
    chosen = policy.select_due(
        [before, after], now, policy.Limits(), policy.RunningCounts(), {"0 9 * * *": fired}
    )
    assert [c.source_id for c in chosen] == ["before"]
