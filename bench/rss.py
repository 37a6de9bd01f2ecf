"""Peak resident memory of the processes a benchmark starts (issue 20, memory target).

A sample is the RSS of a process *tree*: the process plus every descendant alive at that moment
(shared pages are counted once per process, so the figure errs high). Peaks are kept per role
("manager", "indexer", …; several processes of one role keep the largest) in two places: the
``Peaks`` a ``watching`` block yields (that bench's own figure) and the process-wide ``PEAKS``,
from which ``python -m bench`` prints one line across every bench of the run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

import psutil

from sluice_sdk.tasks import cancel_and_wait

MIB = 2**20
# The issue states the target in MB (decimal): 200 MB is 190.7 MiB.
TARGET_BYTES = 200 * 10**6
SAMPLE_SECONDS = 0.2


def tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and its descendants right now; 0 when the process is gone."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        # A child may exit between the listing and the read: it simply no longer counts.
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


class Peaks:
    """Largest sample seen per role, in bytes."""

    def __init__(self) -> None:
        self._bytes: dict[str, int] = {}

    def observe(self, role: str, rss: int) -> None:
        if rss > self._bytes.get(role, 0):
            self._bytes[role] = rss

    def get(self, role: str) -> int | None:
        return self._bytes.get(role)

    def mib(self, role: str) -> float | None:
        value = self._bytes.get(role)
        return None if value is None else value / MIB

    def items(self) -> list[tuple[str, int]]:
        return sorted(self._bytes.items())


# Every sample of this Python process (one ``python -m bench`` run) lands here too.
PEAKS = Peaks()


def sample(role: str, pid: int, into: Peaks | None = None) -> int:
    """Sample ``pid``'s tree once and record it under ``role`` in ``PEAKS`` (and ``into``)."""
    rss = tree_rss(pid)
    if rss:
        PEAKS.observe(role, rss)
        if into is not None:
            into.observe(role, rss)
    return rss


@contextlib.asynccontextmanager
async def watching(
    procs: Iterable[tuple[str, int]], every: float = SAMPLE_SECONDS
) -> AsyncIterator[Peaks]:
    """Sample the ``(role, pid)`` trees every ``every`` s while the block runs (and once more
    on exit); yields this block's ``Peaks``."""
    members = list(procs)
    peaks = Peaks()

    def once() -> None:
        for role, pid in members:
            sample(role, pid, peaks)

    async def loop() -> None:
        while True:
            once()
            await asyncio.sleep(every)

    task = asyncio.create_task(loop(), name="rss-watch")
    try:
        yield peaks
    finally:
        await cancel_and_wait(task)
        once()


def _figure(peaks: Peaks, role: str) -> str:
    value = peaks.mib(role)
    return "n/a" if value is None else f"{value:,.0f}"


def summary_line(peaks: Peaks = PEAKS) -> str:
    """The ``make bench`` memory lines: every role's peak (so the manager can be read against,
    e.g., the bare aiohttp registry under the same load), then manager and indexer against the
    target."""
    roles = ", ".join(f"{role} {rss / MIB:,.0f}" for role, rss in peaks.items())
    return f"# peak RSS per role, MiB: {roles or 'none sampled'}\n" + _target_line(peaks)


def _target_line(peaks: Peaks) -> str:
    manager, indexer = peaks.get("manager"), peaks.get("indexer")
    seen = [v for v in (manager, indexer) if v is not None]
    verdict = "met" if seen and max(seen) < TARGET_BYTES else "NOT met" if seen else "n/a"
    return (
        f"peak RSS manager / indexer across benches: {_figure(peaks, 'manager')} / "
        f"{_figure(peaks, 'indexer')} MiB "
        f"(target < 200 MB = {TARGET_BYTES / MIB:.0f} MiB: {verdict})"
    )
