"""sluice_runtime.event_loop.run: uvloop by default, the standard loop on request."""

from __future__ import annotations

import asyncio

import uvloop

from sluice_runtime import event_loop


async def loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_default_is_uvloop() -> None:
    assert event_loop.run(loop_type()) is uvloop.Loop


def test_asyncio_on_request() -> None:
    assert not issubclass(event_loop.run(loop_type(), "asyncio"), uvloop.Loop)
