"""Debian's Chromium for the browser tests: found on PATH, or installed with apt as
``playwright install-deps`` would, so a fresh machine passes. Playwright never downloads a browser
of its own here (``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD``; the tests launch with ``executable_path``).

Parallel test processes share one install: the first takes an exclusive lock on a file, installs,
and the others find the binary once the lock is theirs.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# The browser and the fonts Playwright's own dependency list brings, without Debian's long tail of
# recommended desktop packages (udev, upower, printing, notification daemons).
PACKAGES = ("chromium", "fonts-liberation")
BINARIES = ("chromium", "chromium-browser")
LOCK = Path(tempfile.gettempdir()) / "sluice-chromium-install.lock"
INSTALL_TIMEOUT = 900


class ChromiumUnavailable(Exception):
    """Chromium is missing and could not be installed; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find() -> str | None:
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_or_install() -> str:
    """The path of a Chromium binary, installing the Debian package first when it is missing."""
    found = find()
    if found:
        return found
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        found = find()  # another process may have installed it while this one waited
        if found:
            return found
        _install()
    found = find()
    if not found:
        raise ChromiumUnavailable(
            f"apt-get installed {' '.join(PACKAGES)} but no {BINARIES} on PATH"
        )
    return found


def _install() -> None:
    if shutil.which("apt-get") is None:
        raise ChromiumUnavailable("no chromium on PATH and no apt-get to install it with")
    if os.geteuid() != 0:
        raise ChromiumUnavailable(
            "no chromium on PATH, and installing it needs root: "
            f"apt-get install {' '.join(PACKAGES)}"
        )
    first = _apt("install", "-y", "--no-install-recommends", *PACKAGES)
    if first.returncode == 0:
        return
    # Most often a fresh machine whose package lists were never fetched.
    update = _apt("update")
    second = _apt("install", "-y", "--no-install-recommends", *PACKAGES)
    if second.returncode != 0:
        raise ChromiumUnavailable(
            f"apt-get install {' '.join(PACKAGES)} failed (exit {second.returncode}):\n"
            f"{first.stdout[-2000:]}\n--- apt-get update ---\n{update.stdout[-2000:]}\n"
            f"--- retry ---\n{second.stdout[-2000:]}"
        )


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(
            ["apt-get", "-q", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ChromiumUnavailable(f"apt-get {args[0]} took over {INSTALL_TIMEOUT} s") from exc
