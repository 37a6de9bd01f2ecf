"""``sluice search`` refused for want of a token says where it looked (issue 19, item 12)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

Client = TestClient[web.Request, web.Application]


async def sluice(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """``sluice`` run in ``cwd`` (not the project folder) with only ``env`` of the SLUICE_ ones."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sluice_cli.main",
        *args,
        cwd=cwd,
        env=base | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_no_token_names_the_places_it_looked(client: Client, tmp_path: Path) -> None:
    """Nothing is sent without a token: the error says every place it was looked for."""
    url = str(client.make_url("/"))
    code, _, err = await sluice("search", "x", "--url", url, env={}, cwd=tmp_path)
    assert code == 2
    assert "no admin token" in err
    assert "--token" in err
    assert "SLUICE_ADMIN_TOKEN" in err
    assert str(tmp_path / ".sluice" / "admin_token") in err
    assert str(tmp_path / ".sluice" / "manager.json") in err
    assert "SLUICE_DATA_DIR" in err


async def test_a_refused_token_names_where_it_came_from(client: Client, tmp_path: Path) -> None:
    url = str(client.make_url("/"))
    (tmp_path / "admin_token").write_text("stale-token\n")
    code, _, err = await sluice(
        "search", "x", "--url", url, env={"SLUICE_DATA_DIR": str(tmp_path)}, cwd=tmp_path
    )
    assert code == 1
    assert "HTTP 401" in err
    assert f"the admin token read from {tmp_path / 'admin_token'} was refused" in err
