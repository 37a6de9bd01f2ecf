"""Reads and writes of ``descriptors`` (``queries/catalog.sql``); ``conn``: Connection or Pool."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from sluice_manager.catalog.content import Entry
from sluice_manager.catalog.models import DescriptorDetail, DescriptorSummary
from sluice_sql.query_loader import QUERIES

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

_SUMMARY_FIELDS = tuple(DescriptorSummary.model_fields)


def summary(row: asyncpg.Record) -> DescriptorSummary:
    return DescriptorSummary.model_validate({name: row[name] for name in _SUMMARY_FIELDS})


def detail(row: asyncpg.Record) -> DescriptorDetail:
    values = {name: row[name] for name in _SUMMARY_FIELDS}
    return DescriptorDetail.model_validate(
        {**values, "document": row["document"], "source_text": row["source_text"]}
    )


async def insert(
    conn: Conn, entry: Entry, status: str, visibility: str, now: datetime
) -> asyncpg.Record | None:
    """The new row, or None when the version exists already."""
    key = entry.key
    return await conn.fetchrow(
        QUERIES.insert_descriptor,
        entry.slug,
        entry.version,
        key.major,
        key.minor,
        key.patch,
        key.is_release,
        list(key.prerelease),
        status,
        visibility,
        entry.name,
        entry.summary,
        entry.description,
        entry.publisher,
        entry.categories,
        entry.tags,
        entry.document,
        entry.source_text,
        entry.digest,
        now,
    )


async def replace_draft(
    conn: Conn, entry: Entry, status: str, visibility: str, now: datetime
) -> asyncpg.Record | None:
    """The replaced row, or None when the version is no longer a draft."""
    return await conn.fetchrow(
        QUERIES.replace_descriptor_content,
        entry.slug,
        entry.version,
        status,
        visibility,
        entry.name,
        entry.summary,
        entry.description,
        entry.publisher,
        entry.categories,
        entry.tags,
        entry.document,
        entry.source_text,
        entry.digest,
        now,
    )


async def set_state(
    conn: Conn, slug: str, version: str, *, status: str, visibility: str, now: datetime
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        QUERIES.update_descriptor_state, slug, version, status, visibility, now
    )


async def lock(conn: asyncpg.Connection, slug: str, version: str) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES.select_descriptor_for_update, slug, version)


async def get(conn: Conn, slug: str, version: str) -> asyncpg.Record | None:
    """One version; ``latest`` is the highest published version, else the highest of any."""
    if version == "latest":
        return await conn.fetchrow(QUERIES.select_latest_descriptor, slug)
    return await conn.fetchrow(QUERIES.select_descriptor, slug, version)


async def versions(conn: Conn, slug: str) -> list[asyncpg.Record]:
    return list(await conn.fetch(QUERIES.select_descriptor_versions, slug))


async def page(
    conn: Conn,
    *,
    category: str | None,
    tag: str | None,
    status: str | None,
    visibility: str | None,
    slug: str | None,
    text: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            QUERIES.select_descriptors_page, category, tag, status, visibility, slug, text, limit
        )
    )


async def document(conn: Conn, slug: str, version: str) -> dict[str, Any] | None:
    """The document of a version, as sent to the runtime."""
    found: dict[str, Any] | None = await conn.fetchval(
        QUERIES.select_descriptor_document, slug, version
    )
    return found
