"""Where the test session's Postgres comes from.

1. ``SLUICE_TEST_DATABASE_URL`` (a server URL; databases are created on it),
2. else testcontainers, when a Docker engine answers,
3. else the embedded server from the pip wheel, in a temporary directory, with fsync off.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sluice_sql.embedded import EmbeddedPostgres


def _docker_answers() -> bool:
    """True when a Docker engine answers a ping (checked over its socket, closed at once)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host.startswith("unix://"):
        path = host.removeprefix("unix://")
        if not os.path.exists(path):
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2)
                sock.connect(path)
                sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                return b"200 OK" in sock.recv(256)
        except OSError:
            return False
    try:
        import docker

        client = docker.from_env(timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


@contextlib.contextmanager
def session_postgres() -> Iterator[str]:
    """Yield a superuser URL of a server the tests may create databases on."""
    explicit = os.environ.get("SLUICE_TEST_DATABASE_URL")
    if explicit:
        yield explicit
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    with tempfile.TemporaryDirectory(prefix="sluice-test-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", unsafe_fast=True)
        server.start()
        try:
            yield server.url()
        finally:
            server.stop()
