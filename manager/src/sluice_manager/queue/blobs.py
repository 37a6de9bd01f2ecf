"""Content-addressed text blobs (protocol §5.5)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TypeAlias

import asyncpg

from sluice_manager.errors import ManagerError
from sluice_manager.ids import new_id
from sluice_sql.query_loader import QUERIES

Executor: TypeAlias = "asyncpg.Connection | asyncpg.Pool"

# A blob can vanish between the conflicting insert and the read (retention deletes old blobs).
_ATTEMPTS = 3


class BlobStoreError(ManagerError):
    """A blob could be neither inserted nor found."""


async def store_text_blob(conn: Executor, text: str, now: datetime) -> str:
    """Store ``text`` as a ``text/plain`` blob and return its id; an existing hash keeps its id.

    ``INSERT ... ON CONFLICT (sha256) DO NOTHING`` waits for a concurrent insert of the same hash
    to commit, so two stores of one text never create two blobs.
    """
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    for _ in range(_ATTEMPTS):
        inserted = await conn.fetchval(
            QUERIES.insert_content_blob, new_id(), digest, len(data), text, now
        )
        if inserted is not None:
            return str(inserted)
        existing = await conn.fetchval(QUERIES.select_content_blob_id, digest)
        if existing is not None:
            return str(existing)
    raise BlobStoreError(f"content blob {digest} could not be stored")
