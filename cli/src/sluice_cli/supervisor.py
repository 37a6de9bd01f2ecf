"""A small process supervisor for ``sluice up``.

Children run in their own sessions so a terminal Ctrl-C reaches only ``sluice up``, which then stops
them in reverse order. A child that dies is restarted after a short backoff, like a process manager
would; one that keeps dying (``max_restarts`` within ``restart_window`` seconds) stops everything.

Children die with the supervisor: on Linux each asks the kernel, before it runs, for SIGTERM when
its parent dies (``PR_SET_PDEATHSIG``), so a ``kill -9`` of ``sluice up`` leaves no orphan behind;
``on_spawn`` tells ``sluice up``'s watchdog (``sluice_cli.watchdog``) each pid too, for the rest.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

_PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking for SIGTERM when the parent dies; None where there is no prctl."""
    if not sys.platform.startswith("linux"):
        return None
    try:  # looked up here, in the parent: the child only calls it
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)

    return die_with_parent


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    exits: deque[float] = field(default_factory=deque)
    restart_at: float | None = None


class CrashLoop(Exception):
    def __init__(self, child: Child) -> None:
        super().__init__(f"{child.name} keeps exiting; giving up")
        self.child = child


@dataclass
class Supervisor:
    max_restarts: int = 5
    restart_window: float = 60.0
    children: list[Child] = field(default_factory=list)
    on_spawn: Callable[[Child], None] | None = None

    def start(self, name: str, module: str, args: list[str], env: dict[str, str]) -> Child:
        child = Child(name=name, argv=[sys.executable, "-m", module, *args], env=env)
        self._spawn(child)
        self.children.append(child)
        return child

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(
            child.argv,
            env={**os.environ, **child.env},
            start_new_session=True,
            preexec_fn=_parent_death_signal(),  # noqa: PLW1509 - spawned while single-threaded
        )
        child.restart_at = None
        if self.on_spawn is not None:
            self.on_spawn(child)

    def pid(self, name: str) -> int | None:
        for child in self.children:
            if child.name == name and child.process is not None:
                return child.process.pid
        return None

    def first_exited(self) -> Child | None:
        """A child that exited and is not scheduled for a restart (used before supervision)."""
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def supervise(self, now: float | None = None) -> list[str]:
        """Restart children that died; returns what happened. Raises CrashLoop."""
        now = time.monotonic() if now is None else now
        events: list[str] = []
        for child in self.children:
            proc = child.process
            if proc is None or proc.poll() is None:
                continue
            if child.restart_at is None:
                child.exits.append(now)
                while child.exits and now - child.exits[0] > self.restart_window:
                    child.exits.popleft()
                if len(child.exits) > self.max_restarts:
                    raise CrashLoop(child)
                child.restart_at = now + min(2.0 ** (len(child.exits) - 1), 30.0)
                events.append(f"{child.name} exited with {proc.returncode}; restarting")
            elif now >= child.restart_at:
                self._spawn(child)
                events.append(f"{child.name} restarted")
        return events

    def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM every child (last started first), then SIGKILL what is left after ``timeout``."""
        for child in reversed(self.children):
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in reversed(self.children):
            if child.process is None:
                continue
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
