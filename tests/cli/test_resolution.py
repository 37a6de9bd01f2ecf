"""Where ``sluice`` finds the manager and its admin token (flags, then the environment, then the
data directory ``sluice up`` writes to), what it says when it finds none, and how a refusal or an
unavailable manager is reported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.chaos.harness import ADMIN_TOKEN
from tests.cli.conftest import Stack, sluice
from tests.support.http import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def _write(data_dir: Path, url: str, token: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "manager.json").write_text(json.dumps({"url": url, "admin_token": token}))


async def test_flags_then_environment_then_data_directory(stack: Stack, tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    work = tmp_path / "work"

    # The data directory alone (./.sluice, as sluice up leaves it where it runs).
    _write(work / ".sluice", stack.url, ADMIN_TOKEN)
    alone = await sluice("sources", "list", "--json", cwd=work)
    assert (alone.code, alone.json()) == (0, [])

    # The environment wins over the data directory, a flag over the environment.
    _write(work / ".sluice", dead, "stale-token")
    env = {"SLUICE_URL": stack.url, "SLUICE_ADMIN_TOKEN": f"{ADMIN_TOKEN},older-token"}
    assert (await sluice("connectors", "--json", env=env, cwd=work)).json() == []
    env = {"SLUICE_URL": dead, "SLUICE_ADMIN_TOKEN": "wrong"}
    flags = await sluice(
        "--url", stack.url, "runs", "--token", ADMIN_TOKEN, "--json", env=env, cwd=work
    )
    assert flags.json() == []
    legacy = await sluice(
        "runs", "--json", env={"SLUICE_MANAGER_URL": stack.url}, cwd=work
    )  # SLUICE_MANAGER_URL, as earlier releases read it; the token still from the data directory
    assert legacy.code == 1
    assert "HTTP 401" in legacy.err
    assert f"the admin token read from {work / '.sluice' / 'manager.json'} was refused" in (
        legacy.err
    )

    # SLUICE_DATA_DIR chooses the data directory; its admin_token file is the last resort.
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "manager.json").write_text(json.dumps({"url": stack.url}))
    (other / "admin_token").write_text(ADMIN_TOKEN + "\n")
    chosen = await sluice("dead-letters", "list", "--json", env={"SLUICE_DATA_DIR": str(other)})
    assert chosen.json() == []

    refused = await sluice("runs", env={"SLUICE_URL": stack.url, "SLUICE_ADMIN_TOKEN": "wrong"})
    assert refused.code == 1
    assert refused.err.splitlines() == [
        "runs failed: HTTP 401: missing or invalid admin token",
        "the admin token from SLUICE_ADMIN_TOKEN was refused",
    ]
    unreachable = await sluice("runs", "--url", dead, "--token", "t")
    assert unreachable.code == 2
    assert f"cannot reach the manager at {dead}" in unreachable.err


async def test_nothing_found_names_every_place_looked(tmp_path: Path) -> None:
    result = await sluice("sources", "list", cwd=tmp_path)
    assert result.code == 2
    assert result.out == ""
    data_dir = tmp_path / ".sluice"
    for place in (
        "--url",
        "SLUICE_URL",
        "SLUICE_MANAGER_URL",
        str(data_dir / "manager.json"),
        "--token",
        "SLUICE_ADMIN_TOKEN",
        str(data_dir / "admin_token"),
        "SLUICE_DATA_DIR",
    ):
        assert place in result.err, place
    # Only the token missing: only the token is complained about.
    token_only = await sluice("sources", "list", "--url", "http://127.0.0.1:9", cwd=tmp_path)
    assert token_only.code == 2
    assert "no admin token" in token_only.err
    assert "no manager URL" not in token_only.err


async def test_an_unavailable_manager_says_when_to_retry(tmp_path: Path) -> None:
    """A database outage is 503 with Retry-After (§1.3): reported as such, not as a crash."""

    async def unavailable(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": "database unavailable"}, status=503, headers={"Retry-After": "7"}
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unavailable)
    async with TestServer(app, host="127.0.0.1") as server:
        result = await sluice(
            "sources", "list", "--url", str(server.make_url("")), "--token", "t", cwd=tmp_path
        )
    assert result.code == 1
    assert result.err == (
        "sources list failed: HTTP 503: database unavailable "
        "(the manager is unavailable for now: retry after 7 s)\n"
    )


def test_sluice_up_leaves_the_manager_file_owner_only(tmp_path: Path) -> None:
    from sluice_cli.connection import write_manager_file

    path = write_manager_file(tmp_path / "data", "http://127.0.0.1:8090", "secret")
    assert json.loads(path.read_text()) == {"url": "http://127.0.0.1:8090", "admin_token": "secret"}
    assert os.stat(path).st_mode & 0o777 == 0o600
    path.chmod(0o644)
    write_manager_file(tmp_path / "data", "http://127.0.0.1:8091", "next")
    assert os.stat(path).st_mode & 0o777 == 0o600
