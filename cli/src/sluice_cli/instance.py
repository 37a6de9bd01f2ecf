"""One ``sluice up`` per data directory, and only on free ports.

``sluice up`` holds an exclusive lock on ``<data_dir>/up.lock``, with its pid written inside, for as
long as it runs; its watchdog shares the lock and keeps it until it has stopped whatever a killed
``sluice up`` left running. A second ``sluice up`` finds the lock held and says who holds it. The
ports are tried before anything starts, so a busy one is named instead of crashing a child on bind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = "up.lock"


class InstanceError(Exception):
    """``sluice up`` cannot start here; the message says why and what to do."""


@dataclass
class InstanceLock:
    path: Path
    fd: int

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _holder(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire(data_dir: Path, say: Callable[[str], None], wait_seconds: float = 90.0) -> InstanceLock:
    """The lock of ``data_dir``; InstanceError when another ``sluice up`` runs on it.

    When the holder is a ``sluice up`` that is gone, its watchdog is still stopping what it started:
    wait for it (at most ``wait_seconds``) rather than start beside a server being stopped."""
    where = data_dir.resolve()
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd = os.open(where / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise InstanceError(f"cannot use the data directory {where}: {exc.strerror}") from exc
    deadline: float | None = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _holder(fd)
            if holder is None or _alive(holder):
                os.close(fd)
                who = f"pid {holder}" if holder is not None else "starting"
                raise InstanceError(
                    f"another sluice up is already running on the data directory {where} ({who}). "
                    "Use that one, stop it first (Ctrl-C where it runs"
                    + (f", or kill {holder}" if holder is not None else "")
                    + "), or give this one another SLUICE_DATA_DIR."
                ) from None
            if deadline is None:
                say(
                    f"a previous sluice up (pid {holder}) on {where} was killed; "
                    "waiting while its watchdog stops what it started"
                )
                deadline = time.monotonic() + wait_seconds
            elif time.monotonic() > deadline:
                os.close(fd)
                raise InstanceError(
                    f"the watchdog of a killed sluice up (pid {holder}) still holds {where}; "
                    "try again in a moment"
                ) from None
            time.sleep(0.2)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return InstanceLock(where / LOCK_FILE, fd)


def busy_ports(wanted: list[tuple[str, str, int]]) -> list[str]:
    """One line per (what, host, port) that cannot be listened on, saying why."""
    problems = []
    for what, host, port in wanted:
        try:
            family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        except socket.gaierror as exc:
            problems.append(f"cannot listen on {host}:{port} ({what}): {exc.strerror}")
            continue
        with socket.socket(family, kind) as probe:
            # As the servers bind: a port left in TIME_WAIT by a previous run is free to them.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    problems.append(f"port {port} on {host} ({what}) is already in use")
                else:
                    problems.append(f"cannot listen on {host}:{port} ({what}): {exc.strerror}")
    return problems
