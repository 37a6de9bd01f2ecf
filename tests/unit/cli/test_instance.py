"""One ``sluice up`` per data directory, on free ports (issue 19, item 11)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from sluice_cli.instance import LOCK_FILE, InstanceError, InstanceLock, acquire, busy_ports


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    first = acquire(tmp_path / "data", say=print)
    try:
        with pytest.raises(InstanceError) as info:
            acquire(tmp_path / "data", say=print)
        message = str(info.value)
        assert "already running" in message
        assert str((tmp_path / "data").resolve()) in message
        assert f"pid {os.getpid()}" in message
    finally:
        first.release()
    acquire(tmp_path / "data", say=print).release()  # free again once released


def test_the_lock_of_a_dead_sluice_up_is_awaited_not_refused(tmp_path: Path) -> None:
    """Its watchdog holds the lock while it stops what the dead one started."""
    held = acquire(tmp_path, say=print)
    # The pid of a process that has exited: the sluice up that was killed.
    dead_pid = int(subprocess.run(["sh", "-c", "echo $$"], capture_output=True, check=True).stdout)
    os.pwrite(held.fd, f"{dead_pid}\n".encode().ljust(16), 0)
    said: list[str] = []
    got: list[InstanceLock] = []
    waiter = threading.Thread(target=lambda: got.append(acquire(tmp_path, say=said.append)))
    waiter.start()
    deadline = time.monotonic() + 30
    while not said and time.monotonic() < deadline:
        time.sleep(0.05)
    assert said, "the waiter never said it was waiting"
    assert f"pid {dead_pid}" in said[0]
    assert not got
    held.release()
    waiter.join(timeout=30)
    [lock] = got
    assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
    lock.release()


def test_busy_ports_are_named() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert busy_ports([("the manager", "127.0.0.1", port)]) == [
            f"port {port} on 127.0.0.1 (the manager) is already in use"
        ]
    assert busy_ports([("the manager", "127.0.0.1", port)]) == []
