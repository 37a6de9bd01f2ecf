"""`sluice up` as a user runs it: embedded Postgres, migrations, manager; Ctrl-C stops it all."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from sql.embedded import read_running_server
from tests.support.http import free_port, wait_for_json

pytestmark = pytest.mark.e2e


def _postgres_processes_on(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["status"] != psutil.STATUS_ZOMBIE and str(data_dir) in cmdline:
            found.append(proc)
    return found


async def _run_up_once(tmp_path: Path, port: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update({"SLUICE_DATA_DIR": str(tmp_path / "data"), "SLUICE_PORT": str(port)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = await wait_for_json(f"http://127.0.0.1:{port}/health", timeout=60)
        assert body == {"status": "ok", "database": "ok"}
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output.decode(errors="replace")


async def test_up_serves_health_reuses_data_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = (tmp_path / "data" / "pg").resolve()
    await _run_up_once(tmp_path, free_port())
    assert (data_dir / "PG_VERSION").exists()
    assert read_running_server(data_dir) is None
    assert _postgres_processes_on(data_dir) == []
    version_marker = (data_dir / "PG_VERSION").stat().st_ino

    await _run_up_once(tmp_path, free_port())
    # Same cluster reused: initdb did not run again.
    assert (data_dir / "PG_VERSION").stat().st_ino == version_marker
    assert _postgres_processes_on(data_dir) == []
