"""Extraction off the event loop, in a small pool of worker processes.

Why processes and not threads: pypdf, openpyxl and the OOXML readers are pure Python and CPU-bound.
In a thread they hold the GIL for most of a 50 MiB parse and starve the event loop that serves
every other SDK call; a process leaves the loop alone, keeps parser memory out of the manager's
RSS, and isolates a parser that crashes or leaks on a hostile file (workers are recycled after
``TASKS_PER_WORKER`` files). ``spawn`` because forking a process that runs an event loop and
driver threads is unsafe. The pool is no larger than the permit count, so it never queues work.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import structlog

from manager.extraction import worker
from manager.extraction.formats import Format
from manager.extraction.worker import UnreadableDocument
from manager.queue.text import normalise_text

log = structlog.get_logger(__name__)

TASKS_PER_WORKER = 200


def stored_text(fmt: Format, data: bytes, charset: str | None, max_bytes: int) -> str:
    """What a worker process runs: extract, then normalise and truncate (protocol §5.4)."""
    return normalise_text(worker.extract(fmt, data, charset), max_bytes)


class ExtractionPool:
    """Owns the worker processes; built and shut down by the app's cleanup_ctx."""

    def __init__(self, workers: int) -> None:
        self._workers = max(1, workers)
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            max_tasks_per_child=TASKS_PER_WORKER,
        )

    async def extract(self, fmt: Format, data: bytes, charset: str | None, max_bytes: int) -> str:
        """The document's stored text (protocol §5.4), or UnreadableDocument when it cannot be
        parsed or kills its worker."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, stored_text, fmt, data, charset, max_bytes)
        except BrokenProcessPool as exc:
            # A worker died (segfault, out of memory) on this file. Replace the pool so the next
            # request works, and treat the file as unreadable rather than a manager fault.
            log.warning("extraction_worker_died", format=fmt.value)
            if self._executor is executor:
                self._executor = self._new_executor()
                executor.shutdown(wait=False, cancel_futures=True)
            raise UnreadableDocument(fmt.value, "extraction worker died") from exc

    async def normalise(self, text: str, max_bytes: int) -> str:
        """Protocol §5.4 for text from elsewhere (Docling); a long text is CPU work too."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, normalise_text, text, max_bytes)

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
