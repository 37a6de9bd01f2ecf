"""A connector server on 127.0.0.1 talking real HTTP to the fake manager."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from sluice_sdk import Connector, NoCredentials, SyncContext, action
from sluice_sdk.connector import ActionContext
from sluice_sdk.models import SyncMode
from sluice_sdk.server import ConnectorServer
from sluice_sdk.settings import ConnectorSettings
from sluice_sdk.testing import FAST_RETRY, FakeManager


class Params(BaseModel):
    name: str


class Config(BaseModel):
    hold: bool = False
    count: int = 2


class Demo(Connector[Config, NoCredentials]):
    name = "demo"
    source_types: ClassVar[list[str]] = ["demo"]
    sync_modes: ClassVar[list[SyncMode]] = ["full", "incremental", "realtime"]
    config_model = Config

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def sync(self, ctx: SyncContext[Config, NoCredentials]) -> None:
        for i in range(ctx.config.count):
            await ctx.emit(f"d{i}", content_id="c")
        if ctx.config.hold:
            await ctx.flush()
            await self.release.wait()

    @action("greet", Params, description="Say hello", mode="read")
    async def greet(self, params: Params, ctx: ActionContext[Config, NoCredentials]) -> Any:
        if params.name == "error":
            raise ValueError("no greeting for you")
        return {"greeting": f"hello {params.name}", "source": ctx.source.id}


@pytest.fixture
async def fake() -> AsyncIterator[FakeManager]:
    async with FakeManager(health_check=True) as manager:
        yield manager


def make_server(
    fake: FakeManager, connector: Connector[Any, Any], **options: Any
) -> ConnectorServer:
    settings = ConnectorSettings(
        manager_url=fake.url,
        connector_token=options.pop("token", ""),
        listen_host="127.0.0.1",
        port=0,
    )
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("registration_retry_base", 0.01)
    return ConnectorServer(connector, settings, **options)


@pytest.fixture
async def server(fake: FakeManager) -> AsyncIterator[ConnectorServer]:
    connector_server = make_server(fake, Demo())
    await connector_server.start()
    try:
        yield connector_server
    finally:
        connector_server.connector.release.set()  # type: ignore[attr-defined]
        await connector_server.stop()
