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

from sluice_manager.extraction import worker
from sluice_manager.extraction.availability import Extractors, ReaderMissing
from sluice_manager.extraction.formats import Format
from sluice_manager.extraction.worker import UnreadableDocument
from sluice_manager.queue.text import normalise_text

log = structlog.get_logger(__name__)

TASKS_PER_WORKER = 200
# Far beyond any honest file's parse time; only a stuck parser reaches it.
EXTRACTION_TIMEOUT_SECONDS = 300.0


def stored_text(
    fmt: Format, data: bytes, charset: str | None, max_bytes: int, main_text: bool
) -> str:
    """What a worker process runs: extract, then normalise and truncate (protocol §5.4)."""
    return normalise_text(worker.extract(fmt, data, charset, main_text=main_text), max_bytes)


class ExtractionPool:
    """Owns the worker processes; built and shut down by the app's cleanup_ctx.

    A file that takes longer than ``timeout`` (a parser stuck in a loop on a hostile PDF, say)
    would otherwise hold its permit forever; its workers are killed and the file counts as
    unreadable. ``extractors`` says which readers are installed (``availability.detect()``).
    """

    def __init__(
        self,
        workers: int,
        extractors: Extractors,
        *,
        timeout: float = EXTRACTION_TIMEOUT_SECONDS,
    ) -> None:
        self._workers = max(1, workers)
        self.extractors = extractors
        self.timeout = timeout
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            max_tasks_per_child=TASKS_PER_WORKER,
        )

    async def extract(self, fmt: Format, data: bytes, charset: str | None, max_bytes: int) -> str:
        """The document's stored text (protocol §5.4), or UnreadableDocument when it cannot be
        parsed, kills its worker or runs out of time; ReaderMissing when its reader is not
        installed."""
        if fmt in self.extractors.unavailable:
            raise ReaderMissing(fmt)
        for attempt in range(2):
            executor = self._executor
            try:
                return await self._run(executor, fmt, data, charset, max_bytes)
            except BrokenProcessPool as exc:
                if self._executor is not executor and attempt == 0:
                    continue  # another request's timeout replaced the pool under this one
                # A worker died (segfault, out of memory) on this file. Replace the pool so the
                # next request works, and treat the file as unreadable, not as a manager fault.
                log.warning("extraction_worker_died", format=fmt.value)
                self._replace(executor)
                raise UnreadableDocument(fmt.value, "extraction worker died") from exc
            except TimeoutError as exc:
                log.warning("extraction_timed_out", format=fmt.value, seconds=self.timeout)
                self._replace(executor, kill=True)
                raise UnreadableDocument(fmt.value, "extraction timed out") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _run(
        self,
        executor: ProcessPoolExecutor,
        fmt: Format,
        data: bytes,
        charset: str | None,
        max_bytes: int,
    ) -> str:
        loop = asyncio.get_running_loop()
        main_text = self.extractors.main_text
        future = loop.run_in_executor(
            executor, stored_text, fmt, data, charset, max_bytes, main_text
        )
        return await asyncio.wait_for(future, self.timeout)

    def _replace(self, executor: ProcessPoolExecutor, *, kill: bool = False) -> None:
        if self._executor is not executor:
            return
        self._executor = self._new_executor()
        if kill:
            # ProcessPoolExecutor cannot stop a running task (Python 3.14 adds kill_workers());
            # killing its processes is the only way, and it leaves that executor broken.
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    async def normalise(self, text: str, max_bytes: int) -> str:
        """Protocol §5.4 for text from elsewhere (Docling); a long text is CPU work too."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, normalise_text, text, max_bytes)

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
