"""Log set-up of a Sluice server process (manager, indexer, ``sluice up``): one stream of events.

structlog events, and the records of libraries that log through the standard library (aiohttp,
asyncpg, APScheduler), leave through the same renderer on stderr: JSON lines, or readable lines on
a TTY. A log pipeline reading a server's output therefore never meets a line in another format.
Called once, from the entry point.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import Processor


def _level(name: str) -> int:
    value = logging.getLevelName(name.upper())
    return value if isinstance(value, int) else logging.INFO


def configure_logging(level: str = "info", *, json_output: bool | None = None) -> None:
    """JSON lines unless stderr is a TTY (or as ``json_output`` says); ``level`` filters events."""
    if json_output is None:
        json_output = not sys.stderr.isatty()
    numeric = _level(level)
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    stamped: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *stamped,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries' own records: warnings and up (their info lines are chatter), rendered alike.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *stamped],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.WARNING))
