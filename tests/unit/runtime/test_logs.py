"""sluice_runtime.logs: structlog events and libraries' stdlib records leave as one JSON stream."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def _run(code: str) -> list[dict[str, object]]:
    """Run ``code`` in a fresh interpreter (logging set-up is process-wide) and parse stderr."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [json.loads(line) for line in done.stderr.splitlines() if line.strip()]


def test_events_and_library_warnings_are_json_lines_alike() -> None:
    lines = _run(
        """
        import logging, structlog
        from sluice_runtime.logs import configure_logging
        configure_logging("info", json_output=True)
        structlog.get_logger("sluice_manager.x").info("manager_listening", port=8090)
        logging.getLogger("asyncpg.pool").warning("connection %s lost", "c1")
        logging.getLogger("aiohttp.access").info("chatter below warning is dropped")
        """
    )
    assert [line["event"] for line in lines] == ["manager_listening", "connection c1 lost"]
    event, record = lines
    assert (event["level"], event["port"]) == ("info", 8090)
    assert (record["level"], record["logger"]) == ("warning", "asyncpg.pool")
    assert {"timestamp"} <= event.keys() & record.keys()


def test_level_filters_events() -> None:
    lines = _run(
        """
        import structlog
        from sluice_runtime.logs import configure_logging
        configure_logging("warning", json_output=True)
        log = structlog.get_logger()
        log.info("quiet")
        log.warning("loud")
        """
    )
    assert [line["event"] for line in lines] == ["loud"]
