"""How ``Connector.serve`` sets up a connector process: its log output and its event loop.

Only what a connector process needs; the manager and indexer set themselves up with
``sluice_runtime``, which the SDK does not depend on.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from typing import Any, Literal, TypeVar

import structlog

T = TypeVar("T")

EventLoopName = Literal["uvloop", "asyncio"]


def configure_logging(level: str = "info", *, json_output: bool | None = None) -> None:
    """structlog events on stderr: JSON lines, or readable lines on a TTY."""
    to_tty = sys.stderr.isatty()
    wanted = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer()
            if (not to_tty if json_output is None else json_output)
            else structlog.dev.ConsoleRenderer(colors=to_tty),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            wanted if isinstance(wanted, int) else logging.INFO
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def run(main: Coroutine[Any, Any, T], loop: EventLoopName = "uvloop") -> T:
    """Run ``main`` on uvloop when asked for and installed (``sluice-sdk[uvloop]``), else on
    asyncio."""
    if loop == "uvloop":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(main)
    return asyncio.run(main)
