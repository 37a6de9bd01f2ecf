"""``sluice search`` as a user runs it: a real process calling the manager over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.integration.search.conftest import ADMIN_TOKEN
from tests.integration.search.test_search import corpus_source

ROOT = Path(__file__).resolve().parents[3]
Client = TestClient[web.Request, web.Application]


async def sluice(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sluice_cli.main",
        *args,
        cwd=ROOT,
        env=base | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_prints_ranked_titles_and_snippets(
    client: Client, db_pool: asyncpg.Pool, db_url: str, tmp_path: Path
) -> None:
    await corpus_source(db_pool, db_url)
    url = str(client.make_url("/"))
    code, out, err = await sluice(
        "search", "whale or pond", "--url", url, env={"SLUICE_ADMIN_TOKEN": ADMIN_TOKEN}
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("1. ")
    assert "*whale*" in out or "*pond*" in out
    assert {"Moby-Dick; or, The Whale", "Walden; or, Life in the Woods"} <= {
        line.split(". ", 1)[1].rsplit("  (score", 1)[0]
        for line in lines
        if line[:1].isdigit() and ". " in line and "(score" in line
    }
    assert lines[-1].startswith("2 result(s)")

    # The token can also come from the data directory the embedded default writes it to.
    (tmp_path / "admin_token").write_text(ADMIN_TOKEN + "\n")
    code, out, _ = await sluice(
        "search", "Ishmael", "--url", url, "--json", env={"SLUICE_DATA_DIR": str(tmp_path)}
    )
    assert code == 0
    assert '"external_id": "moby-dick"' in out


async def test_cli_reports_refusal_and_unreachable_manager(client: Client) -> None:
    url = str(client.make_url("/"))
    code, _, err = await sluice("search", "x", "--url", url, env={"SLUICE_ADMIN_TOKEN": "wrong"})
    assert code == 1
    assert "HTTP 401" in err
    code, _, err = await sluice(
        "search", "x", "--url", "http://127.0.0.1:9", env={"SLUICE_ADMIN_TOKEN": "t"}
    )
    assert code == 2
    assert "cannot reach the manager" in err
