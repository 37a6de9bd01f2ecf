"""sluice_sdk._process: a connector process runs on uvloop when installed, asyncio otherwise."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest
import uvloop

from sluice_sdk import _process


async def loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_uvloop_when_installed_and_asked_for() -> None:
    assert _process.run(loop_type()) is uvloop.Loop
    assert not issubclass(_process.run(loop_type(), "asyncio"), uvloop.Loop)


def test_asyncio_when_uvloop_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def without_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("No module named 'uvloop'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvloop)
    assert not issubclass(_process.run(loop_type()), uvloop.Loop)
