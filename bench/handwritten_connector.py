"""The declarative benchmark's reference: the connector a developer would write on the SDK for the
local API (bench/declarative_api.py), emitting the documents the descriptor
(bench/declarative_api.yaml) maps.

It does what the runtime does for that descriptor and nothing more: one aiohttp session, page
after page (``page``/``per_page``, stop when ``has_more`` is false or a page is empty), each record
emitted as it is read with the same document id, text, metadata and permissions, the checkpoint
saved after every page (so a resumed run continues at its page). Bodies are read with aiohttp's
``json()``, as such a connector is usually written.

Run as ``python -m bench.handwritten_connector`` with the SDK's SLUICE_* settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
from pydantic import BaseModel

from sluice_sdk.connector import Connector, NoCredentials
from sluice_sdk.context import SyncContext
from sluice_sdk.models import DocumentMetadata, DocumentPermissions

PAGE_SIZE = 100
STREAM = "items"
PUBLIC = DocumentPermissions(public=True, users=[], groups=[])


class ApiConfig(BaseModel):
    base_url: str


def document_metadata(item: dict[str, Any], base_url: str) -> DocumentMetadata:
    title = str(item["title"])
    return DocumentMetadata(
        title=title,
        url=f"{base_url}/items/{item['id']}",
        content_type="text/plain",
        mime_type="text/plain",
        updated_at=datetime.fromisoformat(item["updated_at"]),
        size=str(len(item["body"].encode())),
        path=f"{STREAM}/{title}",
    )


class HandWrittenConnector(Connector[ApiConfig, NoCredentials]):
    name = "bench_handwritten"
    version = "1.0.0"
    description = "The hand-written reference of the declarative benchmark."
    source_types = ["bench_handwritten"]
    config_model = ApiConfig

    async def sync(self, ctx: SyncContext[ApiConfig, NoCredentials]) -> None:
        base_url = ctx.config.base_url
        checkpoint = ctx.checkpoint if isinstance(ctx.checkpoint, dict) else {}
        page = int(checkpoint.get("page", 1)) if ctx.is_resume else 1
        async with aiohttp.ClientSession() as session:
            while True:
                params = {"page": page, "per_page": PAGE_SIZE}
                async with session.get(f"{base_url}/items", params=params) as resp:
                    resp.raise_for_status()
                    body = await resp.json()
                items = body["items"]
                for item in items:
                    await ctx.emit(
                        f"item-{item['id']}",
                        text=item["body"],
                        metadata=document_metadata(item, base_url),
                        permissions=PUBLIC,
                    )
                ctx.increment_scanned(len(items))
                done = not items or not body["has_more"]
                page += 1
                await ctx.save_checkpoint({"page": page, "done": done})
                if done:
                    return


if __name__ == "__main__":
    HandWrittenConnector().serve()
