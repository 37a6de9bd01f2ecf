"""The watchdog of ``sluice up``: stops what ``sluice up`` started when it dies without doing so.

``sluice up`` starts it first, as ``python -m sluice_cli.watchdog`` in a session of its own (a
terminal's Ctrl-C or hang-up does not reach it), with a pipe from ``sluice up`` on its stdin. Down
the pipe go the children it starts (``child PID NAME``), the Postgres data directory whose server it
starts (``postgres DIR``, or ``forget-postgres`` when it attached to a running one) and, once it has
stopped everything itself, ``done``. When the pipe closes without ``done`` (``sluice up`` was
killed, even with SIGKILL, which no handler sees), the watchdog terminates the children (SIGTERM,
SIGKILL after a grace period) and then stops Postgres with a fast shutdown: ``pg_ctl`` detaches the
server, so it is no one's child and no parent-death signal reaches it. The watchdog also shares
``sluice up``'s instance lock (``sluice_cli.instance``) and so holds it until it is done.

On Linux the children die with ``sluice up`` anyway (``sluice_cli.supervisor`` asks the kernel for
SIGTERM on parent death); the watchdog is what stops Postgres, and the fallback elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

GRACE_SECONDS = 15.0


class Watchdog:
    """``sluice up``'s end of the pipe. Writes never raise: a dead watchdog only loses its job."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    @classmethod
    def start(cls, keep_fds: tuple[int, ...] = ()) -> Watchdog:
        """Start the watchdog; ``keep_fds`` stay open in it (the instance lock)."""
        process = subprocess.Popen(
            [sys.executable, "-m", "sluice_cli.watchdog", str(os.getpid())],
            stdin=subprocess.PIPE,
            start_new_session=True,
            pass_fds=keep_fds,
        )
        return cls(process)

    def _send(self, line: str) -> None:
        stdin = self.process.stdin
        if stdin is None or stdin.closed:
            return
        with contextlib.suppress(OSError):
            stdin.write(f"{line}\n".encode())
            stdin.flush()

    def child(self, name: str, pid: int) -> None:
        self._send(f"child {pid} {name}")

    def postgres(self, data_dir: Path) -> None:
        self._send(f"postgres {data_dir.resolve()}")

    def forget_postgres(self) -> None:
        self._send("forget-postgres")

    def done(self, timeout: float = 10.0) -> None:
        """Everything is stopped: the watchdog exits without doing anything."""
        self._send("done")
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the watchdog process ----------------------------------------------------------------------


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (Linux), so that a reused pid is never signalled."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return None if fields[0] == "Z" else fields[19]


@dataclass
class Watched:
    children: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    postgres: Path | None = None

    def read(self, line: str) -> bool:
        """Take one line from ``sluice up``; True on ``done``."""
        command, _, rest = line.strip().partition(" ")
        if command == "child":
            pid, _, name = rest.partition(" ")
            self.children[name] = (int(pid), _start_time(int(pid)))
        elif command == "postgres":
            self.postgres = Path(rest)
        elif command == "forget-postgres":
            self.postgres = None
        return command == "done"

    def alive(self) -> dict[str, int]:
        living = {}
        for name, (pid, started) in self.children.items():
            now = _start_time(pid)
            if now is None and not Path("/proc").is_dir():  # no /proc: ask the kernel
                if _exists(pid):
                    living[name] = pid
            elif now is not None and started in (None, now):
                living[name] = pid
        return living


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pid: int, signum: int) -> None:
    # Each child leads a session of its own: its group holds anything it started too.
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _say(message: str) -> None:
    with contextlib.suppress(OSError):  # the terminal may be gone with sluice up
        print(f"sluice up watchdog: {message}", file=sys.stderr, flush=True)


def clean_up(watched: Watched, parent: str, grace: float = GRACE_SECONDS) -> None:
    living = watched.alive()
    if living:
        names = ", ".join(f"{name} (pid {pid})" for name, pid in living.items())
        _say(f"sluice up (pid {parent}) is gone; stopping {names}")
    for pid in living.values():
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while watched.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    for name, pid in watched.alive().items():
        _say(f"{name} (pid {pid}) did not stop within {grace:.0f} s; killing it")
        _signal(pid, signal.SIGKILL)
    if watched.postgres is not None:
        from sluice_sql.embedded import stop_server
        from sluice_sql.errors import EmbeddedPostgresError

        try:
            if stop_server(watched.postgres):
                _say(f"stopped Postgres on {watched.postgres}")
        except EmbeddedPostgresError as exc:
            _say(f"could not stop Postgres on {watched.postgres}: {exc}")


def main(argv: list[str]) -> int:
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    parent = argv[0] if argv else "?"
    watched = Watched()
    for raw in sys.stdin.buffer:
        if watched.read(raw.decode(errors="replace")):
            return 0
    clean_up(watched, parent)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
