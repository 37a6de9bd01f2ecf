"""``sluice indexer`` / ``python -m indexer``: one worker until SIGINT/SIGTERM.

The first signal asks the worker to finish its batch in hand; if that takes longer than
``shutdown_timeout_seconds``, or a second signal arrives, the batch is cancelled (its transaction
rolls back and the claim expires later, protocol §10.5).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog

from sluice_indexer.settings import IndexerSettings
from sluice_indexer.worker import Worker
from sluice_runtime import event_loop
from sluice_runtime.logs import configure_logging
from sluice_sql.bootstrap import open_database
from sluice_sql.migrate import migrate_url
from sluice_sql.pool import create_pool

log = structlog.get_logger(__name__)


async def serve(settings: IndexerSettings) -> None:
    database = await open_database(settings.database_url, settings.data_dir)
    try:
        await migrate_url(database.url)
        pool = await create_pool(
            database.url,
            min_size=1,
            max_size=settings.db_pool_max_size,
            application_name="sluice-indexer",
        )
        try:
            worker = Worker(pool, settings, listen_url=database.url)
            await _run_until_signalled(worker, settings.shutdown_timeout_seconds)
        finally:
            await pool.close()
    finally:
        database.close()


async def _run_until_signalled(worker: Worker, shutdown_timeout: float) -> None:
    loop = asyncio.get_running_loop()
    run_task = asyncio.ensure_future(worker.run())
    deadline: asyncio.TimerHandle | None = None

    def on_signal() -> None:
        nonlocal deadline
        if worker.stopping:
            run_task.cancel()
            return
        worker.stop()
        deadline = loop.call_later(shutdown_timeout, run_task.cancel)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        await run_task
    except asyncio.CancelledError:
        # The signal handler's cancel ends the worker; a cancellation of this task goes on.
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    finally:
        if deadline is not None:
            deadline.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def main() -> int:
    settings = IndexerSettings()
    configure_logging(settings.log_level, json_output=settings.log_json)
    with contextlib.suppress(KeyboardInterrupt):
        event_loop.run(serve(settings), settings.event_loop)
    return 0
