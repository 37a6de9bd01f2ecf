"""``sluice manager``: resolve the database, migrate, serve until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal

import structlog
from aiohttp import web

from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings
from sluice_manager.tokens import with_tokens
from sluice_runtime import event_loop
from sluice_sql.bootstrap import open_database
from sluice_sql.migrate import migrate_url
from sluice_sql.pool import create_pool

log = structlog.get_logger(__name__)


def raise_open_file_limit() -> int:
    """Lift the soft open-files limit to the hard one; the resulting soft limit.

    Every connector on the Sluice SDK keeps one connection to the manager open (keep-alive between
    heartbeats), so 10,000 connectors need 10,000 sockets; common defaults (a soft limit of 1024)
    would refuse them. Go's runtime does the same at start.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def listen(runner: web.AppRunner, settings: ManagerSettings) -> web.TCPSite:
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    return site


async def serve(settings: ManagerSettings, stop: asyncio.Event) -> None:
    settings = with_tokens(settings)
    open_files_limit = raise_open_file_limit()
    database = await open_database(settings.database_url, settings.data_dir)
    # Leadership needs its own connection: hand every part the resolved URL, embedded or not.
    settings = settings.model_copy(update={"database_url": database.url})
    try:
        applied = await migrate_url(database.url)
        if applied:
            log.info("migrations_applied", versions=[m.version for m in applied])
        pool = await create_pool(
            database.url,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            application_name="sluice-manager",
        )
        try:
            # aiohttp's access log is never shown (stdlib loggers print warnings and up, and
            # request latency is a metric), so it is not built either.
            runner = web.AppRunner(
                create_app(settings, pool), handle_signals=False, access_log=None
            )
            await runner.setup()
            try:
                await listen(runner, settings)
                # Everything allocated at startup lives for the whole process: keep it out of the
                # collector's generations so request-time collections stay short.
                gc.freeze()
                log.info(
                    "manager_listening",
                    host=settings.host,
                    port=settings.port,
                    open_files_limit=open_files_limit,
                )
                await stop.wait()
                log.info("manager_stopping")
            finally:
                await runner.cleanup()
        finally:
            await pool.close()
    finally:
        database.close()


def run(settings: ManagerSettings) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    with contextlib.suppress(KeyboardInterrupt):
        event_loop.run(main(), settings.event_loop)
