"""A tiny process supervisor for ``sluice up``: start children, stop them all on the way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None


@dataclass
class Supervisor:
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, module: str, args: list[str], env: dict[str, str]) -> Child:
        child = Child(name=name, argv=[sys.executable, "-m", module, *args], env=env)
        # Own process group: a terminal Ctrl-C reaches us, and we stop children in order.
        child.process = subprocess.Popen(
            child.argv, env={**os.environ, **env}, start_new_session=True
        )
        self.children.append(child)
        return child

    def first_exited(self) -> Child | None:
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

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
