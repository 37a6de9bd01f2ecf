"""A first ``sluice up`` in a terminal, as a newcomer meets it (issue 19, item 12).

``sluice up --port P`` runs on a pseudo-terminal with ``SLUICE_ADMIN_TOKEN`` set: the output holds
readable log lines (no JSON), no ``registration_failed`` (connectors start once the manager is
healthy), and the banner stays the last thing printed while the demo syncs. Every command the banner
offers is then run through bash, as pasted, and works. ``sluice manager`` on a busy port says so
without a traceback.
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.up_support import fresh_data_dir, up_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ADMIN_TOKEN = "first-run-admin-token"
PHRASE = "wombat abacus"
END_OF_BANNER = "Press Ctrl-C to stop."


class Terminal:
    """A process whose stdin, stdout and stderr are one pseudo-terminal, its output collected."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave
        )
        os.close(slave)
        self._master = master
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO once every writer has closed the terminal
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    @property
    def output(self) -> str:
        text = b"".join(self._chunks).decode(errors="replace").replace("\r\n", "\n")
        return re.sub(r"\x1b\[[0-9;]*m", "", text)  # colours off for the assertions

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never printed:\n{self.output}")
            time.sleep(0.1)

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=90)
        self._reader.join(timeout=10)
        os.close(self._master)
        return code


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "README.md").write_text(
        f"# Demo\n\nThe {PHRASE} counts carrots for the connector manager.\n"
    )
    return root


@pytest.fixture
def terminal(project: Path) -> Iterator[tuple[Terminal, int]]:
    port = up_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    with fresh_data_dir() as data_dir:
        env.update({"SLUICE_DATA_DIR": str(data_dir), "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN})
        up = Terminal(
            [sys.executable, "-m", "sluice_cli.main", "up", "--port", str(port)], project, env
        )
        try:
            yield up, port
        finally:
            if up.proc.poll() is None:
                up.interrupt()


def _banner_commands(output: str) -> list[str]:
    banner = output.split("Try:", 1)[1].split(END_OF_BANNER, 1)[0]
    return [line.strip() for line in banner.replace("\\\n", " ").splitlines() if line.strip()]


async def _demo_synced(url: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    deadline = time.monotonic() + 120
    async with aiohttp.ClientSession(headers=headers) as http:
        while time.monotonic() < deadline:
            async with http.get(f"{url}/api/sync-runs") as resp:
                runs: list[dict[str, Any]] = await resp.json() if resp.status == 200 else []
            async with http.get(f"{url}/api/search", params={"q": PHRASE}) as resp:
                hits = (await resp.json())["results"] if resp.status == 200 else []
            if hits and runs and all(r["status"] == "completed" for r in runs):
                return
            await asyncio.sleep(0.2)
    raise AssertionError("the demo source never finished its first sync")


def _bash(command: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env["SLUICE_ADMIN_TOKEN"] = ADMIN_TOKEN  # the user's shell, where they set it for `sluice up`
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return done.stdout


async def test_first_run_in_a_terminal(terminal: tuple[Terminal, int], project: Path) -> None:
    up, port = terminal
    up.wait_for(END_OF_BANNER)
    await _demo_synced(f"http://127.0.0.1:{port}")
    output = up.output

    assert "registration_failed" not in output
    assert not [line for line in output.splitlines() if line.lstrip().startswith("{")], output
    assert "$(cat SLUICE_ADMIN_TOKEN)" not in output
    # The banner is the last thing on the terminal while all is well.
    assert output.rsplit(END_OF_BANNER, 1)[1].strip() == "", output

    search, sources, follow, listing, sync = _banner_commands(output)
    assert "result(s)" in _bash(search, project)
    assert "filesystem" in _bash(sources, project)
    assert " completed: " in _bash(follow, project)
    assert '"source_type": "filesystem"' in _bash(listing, project).replace('":"', '": "')
    assert '"sync_run_id"' in _bash(sync, project)

    assert up.interrupt() == 0, up.output


async def test_manager_on_a_busy_port_says_so(db_url: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update(
            {
                "SLUICE_DATABASE_URL": db_url,
                "SLUICE_DATA_DIR": str(tmp_path),
                "SLUICE_ADMIN_TOKEN": ADMIN_TOKEN,
                "SLUICE_CONNECTOR_TOKEN": "c",
                "SLUICE_SECRET_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            }
        )
        done = subprocess.run(
            [sys.executable, "-m", "sluice_cli.main", "manager", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert f"port {port}" in done.stderr, done.stderr
    assert "in use" in done.stderr, done.stderr
