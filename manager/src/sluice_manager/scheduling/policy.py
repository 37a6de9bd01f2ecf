"""What is due: pure functions of ``now`` and database rows (protocol §9.3-§9.5).

No I/O and no clock here, so a restart or a change of leader decides exactly the same.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

_ONE_MICROSECOND = timedelta(microseconds=1)
# Sorts sources that have never succeeded nor failed before every real timestamp (§9.3).
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Streak:
    """A slot's failure streak (§9.4): ``count`` non-manual failures since the last success."""

    count: int = 0
    last_failed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A source that may be due for a scheduled sync (one row of select_scheduled_candidates)."""

    source_id: str
    sync_interval_seconds: int | None
    sync_cron: str | None
    sync_modes: tuple[str, ...]
    last_success: datetime | None
    streak: Streak = Streak()


@dataclass(frozen=True, slots=True)
class RealtimeCandidate:
    """A source with a realtime connector and a free realtime slot (select_realtime_candidates)."""

    source_id: str
    streak: Streak = Streak()


@dataclass(frozen=True, slots=True)
class Limits:
    """The settings the policy reads (Appendix A)."""

    backoff_base_seconds: float = 30
    backoff_max_seconds: float = 3600
    circuit_breaker_threshold: int = 10
    max_dispatches_per_tick: int = 10
    max_concurrent_syncs: int = 10
    max_concurrent_syncs_per_slot: int = 3


@dataclass(frozen=True, slots=True)
class RunningCounts:
    total: int = 0
    scheduled: int = 0
    realtime: int = 0


class InvalidCronError(ValueError):
    """A stored ``sync_cron`` that is not a five-field cron expression."""


@functools.lru_cache(maxsize=4096)
def _cron(expression: str) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        raise InvalidCronError(expression) from exc


# Pure, so memoised: a cron source's next fire time is asked for every tick until it is due.
@functools.lru_cache(maxsize=65536)
def next_cron_fire(expression: str, after: datetime) -> datetime | None:
    """The first fire time of ``expression`` (UTC) strictly after ``after``.

    APScheduler returns the first fire time at or after the (second-ceiled) start, so starting one
    microsecond later makes a success exactly on a fire time wait for the next one.
    """
    fire: datetime | None = _cron(expression).get_next_fire_time(None, after + _ONE_MICROSECOND)
    return fire


def latest_cron_fire(expression: str, now: datetime) -> datetime | None:
    """The last fire time of ``expression`` (UTC) at or before ``now``; None if it has not fired
    in the last ~3 years. Computed once per distinct expression per tick: a cron source is due
    exactly when its last success is older than this (the first fire after it is then ≤ now)."""
    window = timedelta(minutes=2)
    while window <= timedelta(days=1200):
        fire = next_cron_fire(expression, now - window)
        if fire is not None and fire <= now:
            while True:  # walk forward to the last fire at or before now
                following = next_cron_fire(expression, fire)
                if following is None or following > now:
                    return fire
                fire = following
        window *= 4
    return None


def cron_is_due(last_success: datetime | None, latest_fire: datetime | None) -> bool:
    """§9.3 for a cron schedule, given ``latest_cron_fire(expression, now)``."""
    return last_success is None or (latest_fire is not None and last_success < latest_fire)


def due_at(candidate: Candidate) -> datetime | None:
    """When the schedule makes the source due (§9.3); ``_NEVER`` if it has no success; None if it
    has no schedule (synced only on request) or a cron expression that never fires again."""
    if candidate.sync_interval_seconds is None and candidate.sync_cron is None:
        return None
    if candidate.last_success is None:
        return _NEVER
    if candidate.sync_interval_seconds is not None:
        return candidate.last_success + timedelta(seconds=candidate.sync_interval_seconds)
    assert candidate.sync_cron is not None
    return next_cron_fire(candidate.sync_cron, candidate.last_success)


def is_due(candidate: Candidate, now: datetime) -> bool:
    when = due_at(candidate)
    return when is not None and when <= now


def backoff_seconds(failures: int, base: float, cap: float) -> float:
    """``min(cap, base * 2^(n-1))`` for a streak of ``n >= 1`` failures, else 0 (§9.4)."""
    if failures < 1:
        return 0.0
    # Past 2^64 the cap has long been reached; the bound keeps the float finite.
    return min(cap, base * math.pow(2, min(failures - 1, 64)))


def backoff_until(streak: Streak, limits: Limits) -> datetime | None:
    """The earliest time the slot may be triggered again by the scheduler, or None."""
    if streak.count < 1 or streak.last_failed_at is None:
        return None
    delay = backoff_seconds(streak.count, limits.backoff_base_seconds, limits.backoff_max_seconds)
    return streak.last_failed_at + timedelta(seconds=delay)


def in_backoff(streak: Streak, now: datetime, limits: Limits) -> bool:
    until = backoff_until(streak, limits)
    return until is not None and now < until


def breaker_open(streak: Streak, limits: Limits) -> bool:
    """The scheduled slot's circuit breaker (§9.4): closed again only by a newer completed run."""
    return streak.count >= max(1, limits.circuit_breaker_threshold)


def reference_time(candidate: Candidate) -> datetime:
    """Ordering key of §9.3: the streak's newest failure, else last success, else first of all."""
    if candidate.streak.count >= 1 and candidate.streak.last_failed_at is not None:
        return candidate.streak.last_failed_at
    return candidate.last_success or _NEVER


def scheduled_sync_type(sync_modes: Iterable[str]) -> str:
    """``incremental`` when the connector lists it, else ``full`` (the trigger may upgrade it)."""
    return "incremental" if "incremental" in sync_modes else "full"


def free_slots(counts: RunningCounts, limits: Limits, slot: str) -> int:
    """How many more runs of ``slot`` the caps of §9.6 step 6 admit right now."""
    in_slot = counts.realtime if slot == "realtime" else counts.scheduled
    return max(
        0,
        min(
            limits.max_concurrent_syncs - counts.total,
            limits.max_concurrent_syncs_per_slot - in_slot,
        ),
    )


def streak_walk_limit(limits: Limits) -> int:
    """How many failures the streak query needs to count: enough for the breaker and for the
    backoff to reach its cap; a longer streak changes no decision."""
    ratio = limits.backoff_max_seconds / max(limits.backoff_base_seconds, 1e-9)
    saturation = 1 + max(0, math.ceil(math.log2(ratio))) if ratio > 1 else 1
    return max(limits.circuit_breaker_threshold, saturation, 1)


def select_due(
    candidates: Iterable[Candidate],
    now: datetime,
    limits: Limits,
    counts: RunningCounts,
    cron_latest: Mapping[str, datetime | None] | None = None,
) -> list[Candidate]:
    """The sources to trigger this tick, oldest reference time first (§9.3, §9.4).

    At most ``max_dispatches_per_tick``, and no more than the caps admit. An invalid cron
    expression makes only its own source not due. ``cron_latest`` maps cron expressions to
    ``latest_cron_fire(expression, now)``; expressions found there cost no cron arithmetic.
    """
    chosen: list[Candidate] = []
    latest = cron_latest or {}
    for candidate in candidates:
        try:
            cron = candidate.sync_cron
            if candidate.sync_interval_seconds is None and cron is not None and cron in latest:
                due = cron_is_due(candidate.last_success, latest[cron])
            else:
                due = is_due(candidate, now)
        except InvalidCronError:
            continue
        if not due or breaker_open(candidate.streak, limits):
            continue
        if in_backoff(candidate.streak, now, limits):
            continue
        chosen.append(candidate)
    chosen.sort(key=lambda c: (reference_time(c), c.source_id))
    room = min(limits.max_dispatches_per_tick, free_slots(counts, limits, "scheduled"))
    return chosen[:room]


def select_realtime(
    candidates: Sequence[RealtimeCandidate], now: datetime, limits: Limits
) -> list[RealtimeCandidate]:
    """Realtime watchers to start (§9.5): any free realtime slot not in backoff; no breaker."""
    return [c for c in candidates if not in_backoff(c.streak, now, limits)]
