"""``sluice up`` killed with SIGKILL leaves no process behind, and a second ``sluice up`` over a
running one refuses to start (issue 19, item 11).

Every process the test starts, and every process those start, is stopped by its own pid in the
test's ``finally`` (the leftovers too, should a run fail).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from sluice_sql.embedded import read_running_server
from tests.e2e.up_support import fresh_data_dir, up_port

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(300)]

BANNER = "Sluice is up."


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "README.md").write_text("# Demo project\n\nA few words to index.\n")
    return root


STARTED: list[subprocess.Popen[str]] = []


def _start(root: Path, data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update({"SLUICE_DATA_DIR": str(data_dir), "SLUICE_PORT": str(port)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "sluice_cli.main", "up"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    STARTED.append(proc)
    return proc


def _read_until_banner_or_exit(proc: subprocess.Popen[str]) -> tuple[bool, str]:
    """(True, output) once the banner is printed; (False, output) when the process ended first."""
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if line.strip() == BANNER:
            return True, "".join(lines)
    proc.wait(timeout=60)
    return False, "".join(lines)


def _postgres_on(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if str(data_dir / "pg") in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
    return found


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
    return alive


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := _alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _kill_all(processes: list[psutil.Process]) -> None:
    for proc in _alive(processes):
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()


@contextlib.contextmanager
def _owned(processes: list[psutil.Process], data_dir: Path) -> Iterator[None]:
    """Whatever happens, nothing this test started outlives it."""
    try:
        yield
    finally:
        _kill_all(processes)
        while STARTED:
            proc = STARTED.pop()
            if proc.stdout is not None:
                proc.stdout.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        server = read_running_server(data_dir / "pg")
        if server is not None:  # fast shutdown of a server left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, signal.SIGINT)
        _wait_gone(_postgres_on(data_dir), timeout=30)


def _interrupt(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=90)
    return out


@pytest.fixture
def data_dir() -> Iterator[Path]:
    with fresh_data_dir() as path:
        yield path


def test_kill_9_of_sluice_up_leaves_no_process_behind(tmp_path: Path, data_dir: Path) -> None:
    root = _project(tmp_path)
    port = up_port()
    up = _start(root, data_dir, port)
    family: list[psutil.Process] = [psutil.Process(up.pid)]
    with _owned(family, data_dir):
        started, output = _read_until_banner_or_exit(up)
        assert started, output
        family += psutil.Process(up.pid).children(recursive=True)
        family += _postgres_on(data_dir)
        commands = [" ".join(p.cmdline()) for p in _alive(family)]
        for part in ("manager", "indexer", "sluice_connector_filesystem", "postgres -D"):
            assert any(part in command for command in commands), (part, commands)

        up.kill()
        up.wait(timeout=10)

        left = _wait_gone(family, timeout=90)
        assert [" ".join(p.cmdline()) for p in left] == []
        assert read_running_server(data_dir / "pg") is None

        # The data directory and the ports are free again: the next `sluice up` starts cleanly.
        again = _start(root, data_dir, port)
        family.append(psutil.Process(again.pid))
        started, output = _read_until_banner_or_exit(again)
        family += psutil.Process(again.pid).children(recursive=True)
        output += _interrupt(again)
        assert started, output
        assert again.returncode == 0, output
        assert "address already in use" not in output


def test_second_sluice_up_on_the_same_data_dir_or_port_refuses(
    tmp_path: Path, data_dir: Path
) -> None:
    root = _project(tmp_path)
    other = data_dir.parent / "other"
    port = up_port()
    first = _start(root, data_dir, port)
    family: list[psutil.Process] = [psutil.Process(first.pid)]
    with _owned(family, data_dir), _owned([], other):
        started, output = _read_until_banner_or_exit(first)
        assert started, output
        family += psutil.Process(first.pid).children(recursive=True)

        # Same data directory, another port.
        second = _start(root, data_dir, up_port())
        family.append(psutil.Process(second.pid))
        started, output = _read_until_banner_or_exit(second)
        if started:  # the bug: a second instance beside the first; stop it before failing
            family += psutil.Process(second.pid).children(recursive=True)
            output += _interrupt(second)
        assert not started, output
        assert second.returncode == 1, output
        assert "already running" in output
        assert str(data_dir.resolve()) in output
        assert str(first.pid) in output
        assert "Traceback" not in output

        # Another data directory, the same port.
        third = _start(root, other, port)
        family.append(psutil.Process(third.pid))
        started, output = _read_until_banner_or_exit(third)
        if started:
            family += psutil.Process(third.pid).children(recursive=True)
            output += _interrupt(third)
        assert not started, output
        assert third.returncode == 1, output
        assert f"port {port}" in output
        assert "in use" in output
        assert "Traceback" not in output
        assert _postgres_on(other) == []

        output = _interrupt(first)
        assert first.returncode == 0, output
