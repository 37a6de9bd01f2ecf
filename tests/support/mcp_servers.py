"""Real MCP servers for the tests of connectors that wrap one (``sluice_sdk.mcp``).

* **server-everything** (npm ``@modelcontextprotocol/server-everything``, pinned in
  ``tests/mcp/thirdparty/package.json`` with a committed lock file, installed by ``npm ci`` through
  ``ensure_npm_packages``): the reference server of the MCP project. Over stdio it is started per
  session by the code under test (``everything_command``); over streamable HTTP it runs as a child
  process on a free loopback port (``everything_http``, endpoint ``<base_url>/mcp``).
* **schemas_server.py** (beside the tests that use it): a server written with the official Python
  SDK whose tools have the input schemas pydantic emits (``$defs``, a recursive model).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sluice_sdk.testing import FakeSource
from tests.support.thirdparty import RunningServer, _plain, _start, ensure_npm_packages

MCP_THIRDPARTY = Path(__file__).resolve().parents[1] / "mcp" / "thirdparty"


def everything_command() -> list[str]:
    """``node …/server-everything/dist/index.js``; the transport (``stdio``) goes after it."""
    modules = ensure_npm_packages(MCP_THIRDPARTY)
    entry = modules / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    return ["node", str(entry)]


@contextlib.contextmanager
def everything_http_process(workdir: Path) -> Iterator[RunningServer]:
    command = everything_command()

    def with_port(port: int) -> list[str]:
        # The server reads its port from PORT only.
        return ["env", f"PORT={port}", *command, "streamableHttp"]

    # GET /mcp without a session answers 4xx as soon as the server listens.
    server = _start("server-everything", with_port, "/mcp", workdir, _plain("server-everything"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def everything_http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with everything_http_process(tmp_path_factory.mktemp("server-everything")) as server:
        yield server


def action_request(
    source: FakeSource, action: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``POST /action`` body the manager sends for ``source`` (§3.6): its config copied into
    the params, as the manager does, and its credentials."""
    stamp = source.created_at.isoformat().replace("+00:00", "Z")
    credential = {
        "id": f"cred-{source.id}",
        "source_id": source.id,
        "provider": source.source_type,
        "auth_type": "api_key",
        "credentials": source.credentials,
        "created_at": stamp,
        "updated_at": stamp,
    }
    return {
        "action": action,
        "params": {**source.config, **(params or {})},
        "credentials": credential,
        "source": source.as_source_object(),
    }


async def post_action(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/action", json=body) as resp,
    ):
        return resp.status, await resp.json()
