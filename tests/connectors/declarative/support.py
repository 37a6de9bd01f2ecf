"""Helpers of the declarative runtime tests: a fake manager whose sync-config carries a source's
pinned descriptor (as the real manager's does), and descriptors built as data."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sluice_connector_declarative.connector import DeclarativeConnector
from sluice_descriptor.client.retry import RetryPolicy
from sluice_sdk.testing import ConnectorHarness, FakeManager, FakeSource, RunResult

METADATA = {
    "name": "Runtime test API",
    "slug": "runtime-test",
    "version": "1.0.0",
    "description": "A descriptor the declarative runtime tests sync from.",
    "publisher": "Sluice tests",
}

FAST = RetryPolicy(attempts=2, backoff_base=0.01, backoff_max=0.02, retry_after_max=0.05)


class PinningFakeManager(FakeManager):
    """The SDK's fake manager, plus ``descriptor`` in a pinned source's sync-config."""

    def __init__(self) -> None:
        super().__init__()
        self.descriptors: dict[str, dict[str, Any]] = {}

    def pin(self, source: FakeSource, descriptor: dict[str, Any]) -> None:
        self.descriptors[source.id] = descriptor

    async def _sync_config(self, request: web.Request) -> web.Response:
        response = await super()._sync_config(request)
        descriptor = self.descriptors.get(request.match_info["id"])
        if response.status != 200 or descriptor is None or response.text is None:
            return response
        return web.json_response({**json.loads(response.text), "descriptor": descriptor})


def descriptor(
    operations: list[dict[str, Any]],
    streams: list[dict[str, Any]] | None = None,
    **sections: Any,
) -> dict[str, Any]:
    """A descriptor document (as the manager sends it) with an open API and a ``base_url``."""
    document: dict[str, Any] = {
        "metadata": METADATA,
        "authentication": [{"type": "none"}],
        "source_config": [{"key": "base_url", "label": "Base URL"}],
        "operations": operations,
        **sections,
    }
    if streams is not None:
        document["sync"] = {"streams": streams}
    return document


def operation(
    operation_id: str, endpoint: str, *params: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "endpoint": endpoint,
        "summary": operation_id.replace("_", " "),
        "auth_type_ref": "none",
        "parameters": list(params),
        **fields,
    }


def param(
    name: str, field_type: str = "string", location: str = "query", **fields: Any
) -> dict[str, Any]:
    return {"name": name, "location": location, "field_type": field_type, **fields}


def connector() -> DeclarativeConnector:
    return DeclarativeConnector(retry=FAST, batch_size=3)


async def sync(
    harness: ConnectorHarness, source: FakeSource, mode: str = "full", **kwargs: Any
) -> RunResult:
    result = await harness.sync(source, mode, **kwargs)  # type: ignore[arg-type]
    return result


def texts(fake: FakeManager, result: RunResult) -> dict[str, str]:
    """Document id → stored text of the run's created documents."""
    return {
        e["document_id"]: fake.contents[e["content_id"]]
        for e in result.events
        if e["type"] == "document_created"
    }
