"""``sluice token create|list|revoke`` as an operator runs it: a real process, a real manager."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
from aiohttp.test_utils import TestClient

from tests.integration.admin.factories import register_connector

ROOT = Path(__file__).resolve().parents[3]


async def sluice(client: TestClient, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env |= {"SLUICE_ADMIN_TOKEN": "adm-token", "SLUICE_MANAGER_URL": str(client.make_url("/"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sluice_cli.main",
        "token",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_create_list_and_revoke(client: TestClient, db_pool: asyncpg.Pool) -> None:
    await register_connector(db_pool, connector_id="files", source_types=("filesystem",))
    code, out, err = await sluice(client, "create", "--connector", "files", "--name", "laptop")
    assert code == 0, err
    assert "connector  files (source types: filesystem)" in out
    assert "not shown again" in out
    token = out.split()[1]
    assert token.startswith("slc_")
    resp = await client.get(
        "/sdk/sources/by-type/filesystem", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 200

    code, quiet, _ = await sluice(
        client, "create", "--connector", "other", "--source-type", "a", "--source-type", "b", "-q"
    )
    assert code == 0
    assert quiet.strip().startswith("slc_")
    assert len(quiet.split()) == 1

    code, listing, _ = await sluice(client, "list")
    assert code == 0
    lines = listing.splitlines()
    assert len(lines) == 2
    files_line = next(line for line in lines if " files " in line)
    assert "[filesystem]" in files_line
    assert "active" in files_line
    assert "laptop" in files_line
    assert token not in listing
    code, listing, _ = await sluice(client, "list", "--connector", "other")
    assert len(listing.splitlines()) == 1
    assert "[a, b]" in listing

    token_id = files_line.split()[0]
    code, out, _ = await sluice(client, "revoke", token_id)
    assert code == 0
    assert out == f"token {token_id} of connector files is revoked\n"
    resp = await client.get(
        "/sdk/sources/by-type/filesystem", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 401
    code, _, err = await sluice(client, "revoke", "nope")
    assert code == 1
    assert err == "token revoke failed: HTTP 404: token nope not found\n"
    code, _, err = await sluice(client, "create", "--connector", "ghost")
    assert code == 1
    assert "give source_types" in err
