"""The retry policy for HTTP calls, to the manager and to data sources (style §6).

Transport errors and the statuses in ``*_RETRY_STATUSES`` are retried with exponential backoff and
full jitter; a ``Retry-After`` header replaces the backoff for that attempt. Nothing else is
retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_random_exponential

MANAGER_RETRY_STATUSES = frozenset({429, 502, 503, 504})
SOURCE_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    """Attempts in all, the first included."""
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    """A larger ``Retry-After`` is cut to this, so one bad header cannot park a run for hours."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class wait_retry_after(wait_base):
    """Wait as the failed attempt's ``retry_after`` attribute says, else fall back to backoff."""

    def __init__(self, fallback: wait_base, cap: float) -> None:
        self.fallback = fallback
        self.cap = cap

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float):
            return min(float(retry_after), self.cap)
        return float(self.fallback(retry_state))


def retrying(
    policy: RetryPolicy,
    should_retry: Callable[[BaseException], bool],
) -> AsyncRetrying:
    return AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_retry_after(
            wait_random_exponential(multiplier=policy.backoff_base, max=policy.backoff_max),
            policy.retry_after_max,
        ),
        retry=retry_if_exception(should_retry),
        reraise=True,
    )
