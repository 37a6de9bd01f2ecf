"""Children of the supervisor die with it, even when it is killed with SIGKILL (issue 19, item 11).

A small parent process runs a Supervisor with one long-lived child and prints the child's pid; the
test kills the parent with SIGKILL and watches the child go."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

PARENT = """
import sys, time
from sluice_cli.supervisor import Supervisor
sup = Supervisor()
child = sup.start("sleeper", "http.server", ["0", "--bind", "127.0.0.1"], {})
print(child.process.pid, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_child_dies_when_the_supervisor_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        assert _running(child)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 30
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child)
    finally:
        parent.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
