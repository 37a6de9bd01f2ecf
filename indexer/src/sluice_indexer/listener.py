"""``LISTEN`` on the events channel on a dedicated connection, reconnecting when it drops (§10.4).

Every (re)connection wakes the worker once, because notifications sent while no connection was
listening are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog

from sluice_runtime.waits import wait_first
from sluice_sql.pool import connect
from sluice_sql.query_loader import QUERIES
from sluice_sql.queue_contract import EVENTS_CHANNEL

log = structlog.get_logger(__name__)

_CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


class Listener:
    def __init__(
        self,
        url: str,
        on_notify: Callable[[], None],
        *,
        keepalive_seconds: float,
        reconnect_seconds: float,
    ) -> None:
        self._url = url
        self._on_notify = on_notify
        self._keepalive = keepalive_seconds
        self._reconnect = reconnect_seconds
        self.connected = asyncio.Event()

    def _notified(self, *_: Any) -> None:
        self._on_notify()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._listen_once(stop)
            except _CONNECTION_ERRORS as exc:
                log.warning("indexer_listener_lost", error=type(exc).__name__)
            self.connected.clear()
            await wait_first([stop], self._reconnect)

    async def _listen_once(self, stop: asyncio.Event) -> None:
        conn = await connect(self._url, application_name="sluice-indexer-listen")
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(EVENTS_CHANNEL, self._notified)
            self.connected.set()
            log.info("indexer_listening", channel=EVENTS_CHANNEL)
            self._on_notify()
            while not stop.is_set() and not lost.is_set():
                await wait_first([stop, lost], self._keepalive)
                if not stop.is_set() and not lost.is_set():
                    # A half-open TCP connection is only noticed when something is sent on it.
                    await conn.fetchval(QUERIES.select_health, timeout=self._keepalive)
        finally:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await asyncio.wait_for(conn.close(), timeout=2)
            if not conn.is_closed():
                conn.terminate()
