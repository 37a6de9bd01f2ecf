"""Embedded Postgres started by root (issue 19, item 13): Postgres refuses to run as root, so the
server runs as a system user; what Sluice changed for that is said once, and where it cannot be
done the refusal says what to do instead."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sluice_sql.embedded import SYSTEM_USER, EmbeddedPostgres
from sluice_sql.errors import EmbeddedPostgresError

pytestmark = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="what happens when root starts the server"
)


def test_what_root_changed_is_said_once(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)  # whatever the umask
    data_dir = closed / "data" / "pg"
    said: list[str] = []

    server = EmbeddedPostgres(data_dir, unsafe_fast=True, report=said.append)
    server.start()
    server.stop()
    assert len(said) == 1, said
    [message] = said
    assert "root" in message
    assert SYSTEM_USER in message
    assert f"{closed} (0700 -> 0755)" in message
    assert str(data_dir) in message
    assert stat.S_IMODE(closed.stat().st_mode) == 0o755

    again = EmbeddedPostgres(data_dir, unsafe_fast=True, report=said.append)
    again.start()
    again.stop()
    assert len(said) == 1, said  # nothing more was changed, nothing more is said


def test_refuses_clearly_when_the_system_user_cannot_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    server = EmbeddedPostgres(tmp_path / "pg", system_user="sluice_test_absent_user", report=print)
    with pytest.raises(EmbeddedPostgresError) as info:
        server.start()
    message = str(info.value)
    assert "root" in message
    assert "sluice_test_absent_user" in message
    assert "useradd" in message
    assert "SLUICE_DATABASE_URL" in message
    assert not (tmp_path / "pg" / "PG_VERSION").exists()
