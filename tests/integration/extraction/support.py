"""A manager app for extraction tests, and multipart bodies built the way connectors send them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sluice_manager.app import create_app
from sluice_manager.settings import ManagerSettings
from sluice_runtime.clock import FrozenClock

FIXTURES = Path(__file__).parents[2] / "fixtures" / "extraction"
AUTH = {"Authorization": "Bearer con1"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@asynccontextmanager
async def manager(
    pool: asyncpg.Pool, *, clock: FrozenClock | None = None, **settings: object
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = create_app(
        ManagerSettings(admin_token="adm", connector_token="con1", **settings),  # type: ignore[arg-type]
        pool,
        clock=clock or FrozenClock(),
        run_leader_work=False,
    )
    async with TestClient(TestServer(app)) as client:
        yield client


def omni_form(
    data: bytes | io.BytesIO,
    mime_type: str,
    *,
    sync_run_id: str | None = "run-1",
    filename: str | None = None,
    with_data: bool = True,
) -> aiohttp.FormData:
    """The Omni SDK layout (protocol §11): text parts, then file part ``data`` named ``file``."""
    form = aiohttp.FormData(default_to_multipart=True)
    if sync_run_id is not None:
        form.add_field("sync_run_id", sync_run_id)
    if mime_type:
        form.add_field("mime_type", mime_type)
    if filename is not None:
        form.add_field("filename", filename)
    if with_data:
        form.add_field("data", data, filename="file", content_type="application/octet-stream")
    return form


BOUNDARY = "sluiceTestBoundary7MA4YWxk"


def raw_part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def raw_end() -> bytes:
    return f"--{BOUNDARY}--\r\n".encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
