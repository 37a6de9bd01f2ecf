"""Content storage for a run: text as is, files through the manager's extraction (§4.4, §4.5)."""

from __future__ import annotations

from dataclasses import replace

from sluice_sdk.client import ManagerClient
from sluice_sdk.retry import RetryPolicy

EXTRACTION_ATTEMPTS = 5
"""§3.7 item 8: a 429 from extraction is retried after ``Retry-After``, 5 attempts in all."""


class ContentStore:
    def __init__(self, client: ManagerClient, sync_run_id: str) -> None:
        self._client = client
        self._sync_run_id = sync_run_id
        self._extraction_retry: RetryPolicy = replace(client.retry, attempts=EXTRACTION_ATTEMPTS)

    async def save_text(self, text: str) -> str:
        """Store ``text``; return its opaque ``content_id``."""
        return await self._client.store_content(self._sync_run_id, text)

    async def save_file(self, data: bytes, mime_type: str, filename: str | None = None) -> str:
        """Let the manager extract the text of a file and store it; return the ``content_id``."""
        return await self._client.extract_content(
            self._sync_run_id, data, mime_type, filename, retry=self._extraction_retry
        )

    async def extract_text(self, data: bytes, mime_type: str, filename: str | None = None) -> str:
        """The text of a file, extracted by the manager and not stored."""
        return await self._client.extract_text(
            self._sync_run_id, data, mime_type, filename, retry=self._extraction_retry
        )
