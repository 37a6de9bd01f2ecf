"""The SDK's ContentStore against the real manager: the Omni multipart layout end to end."""

from __future__ import annotations

import asyncpg

from sluice_sdk.client import ManagerClient
from sluice_sdk.content import ContentStore
from tests.integration.extraction.support import fixture, manager


async def test_sdk_save_file_and_extract_text_against_the_manager(db_pool: asyncpg.Pool) -> None:
    async with (
        manager(db_pool) as http,
        ManagerClient(str(http.make_url("")), "con1") as client,
    ):
        store = ContentStore(client, "run-sdk")
        content_id = await store.save_file(
            fixture("quarterly-report.pdf"), "application/octet-stream", "report.pdf"
        )
        text = await store.extract_text(
            fixture("roadmap.pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        )
    stored = await db_pool.fetchval("SELECT content FROM content_blobs WHERE id = $1", content_id)
    assert "Revenue grew by twelve percent" in stored
    assert "Roadmap 2027" in text
