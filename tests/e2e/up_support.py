"""Ports and a data directory for a ``sluice up`` under test."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.http import free_port


def up_port() -> int:
    """A free manager port whose connector ports (+11, +12) are free too."""
    while True:
        port = free_port()
        try:
            for offset in (11, 12):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return port


@contextlib.contextmanager
def fresh_data_dir() -> Iterator[Path]:
    """A data directory outside pytest's ``tmp_path``: as root, the embedded server runs as a
    system user that must be able to enter every directory above it, and pytest makes its
    ``pytest-of-root`` private again whenever a session starts."""
    parent = Path(tempfile.mkdtemp(prefix="sluice-up-test-"))
    try:
        yield parent / "data"
    finally:
        shutil.rmtree(parent, ignore_errors=True)
