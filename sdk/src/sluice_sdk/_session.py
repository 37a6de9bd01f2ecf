"""An aiohttp session a client either borrows from its caller or makes on first use and closes."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

import aiohttp


class OwnedSession:
    """Base of the SDK's HTTP clients: ``close()`` closes only a session they made themselves.

    A session passed in by the caller stays open (its owner closes it); otherwise ``_session()``
    makes one with ``_new_session`` on first use.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        new_session: Callable[[], aiohttp.ClientSession],
    ) -> None:
        self._borrowed = session
        self._own: aiohttp.ClientSession | None = None
        self._new_session = new_session

    def _session(self) -> aiohttp.ClientSession:
        if self._borrowed is not None:
            return self._borrowed
        if self._own is None:
            self._own = self._new_session()
        return self._own

    async def close(self) -> None:
        own, self._own = self._own, None
        if own is not None:
            await own.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
