"""Sync logic: fetch each feed, emit new and changed entries (incremental) or every entry (full).

Checkpoint: ``{"feeds": {url: {"etag", "last_modified", "entries": {document_id: fingerprint}}}}``.
It is saved after each feed, so a resumed run does not fetch a finished feed's body again
(it answers 304). A full run ignores the validators and emits every current entry (§10.7).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from sluice_connector_rss.client import FeedClient, FeedError, FeedUnavailable, parse_feed
from sluice_connector_rss.config import RssConfig
from sluice_connector_rss.mapping import map_entry
from sluice_sdk.connector import Connector, NoCredentials
from sluice_sdk.context import SyncContext
from sluice_sdk.errors import ConfigurationError, TransientError
from sluice_sdk.models import DocumentPermissions


class FeedState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    etag: str | None = None
    last_modified: str | None = None
    entries: dict[str, str] = Field(default_factory=dict)


class RssCheckpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feeds: dict[str, FeedState] = Field(default_factory=dict)

    @classmethod
    def load(cls, value: Any) -> RssCheckpoint:
        return cls.model_validate(value) if isinstance(value, dict) else cls()


class RssConnector(Connector[RssConfig, NoCredentials]):
    name = "rss"
    display_name = "RSS and Atom feeds"
    version = "0.1.0"
    description = "Entries of RSS 2.0, RSS 1.0 and Atom feeds."
    source_types = ["rss"]
    sync_modes = ["full", "incremental"]
    config_model = RssConfig

    async def sync(self, ctx: SyncContext[RssConfig, NoCredentials]) -> None:
        config = ctx.config
        previous = RssCheckpoint.load(ctx.checkpoint)
        # Feeds no longer configured drop out of the checkpoint.
        state = RssCheckpoint(
            feeds={url: previous.feeds[url] for url in config.feeds if url in previous.feeds}
        )
        full = ctx.sync_mode == "full"
        permissions = DocumentPermissions(public=config.public, users=[], groups=[])
        failures: list[FeedError] = []
        async with aiohttp.ClientSession() as session:
            client = FeedClient(
                session, user_agent=config.user_agent, timeout=config.timeout_seconds
            )
            for url in config.feeds:
                try:
                    state.feeds[url] = await self._sync_feed(
                        ctx, client, url, state.feeds.get(url), full=full, permissions=permissions
                    )
                except FeedError as exc:
                    ctx.log.warning("rss_feed_failed", feed_url=url, error=str(exc))
                    failures.append(exc)
                    continue
                await ctx.save_checkpoint(state.model_dump(mode="json"))
        if failures:
            # Failing the run keeps a full sync from pruning the entries of a feed it could not
            # read, and leaves the source's checkpoint as it was.
            raise _failure(failures)

    async def _sync_feed(
        self,
        ctx: SyncContext[RssConfig, NoCredentials],
        client: FeedClient,
        url: str,
        known: FeedState | None,
        *,
        full: bool,
        permissions: DocumentPermissions,
    ) -> FeedState:
        known = known or FeedState()
        conditional = not full and known.entries
        response = await client.fetch(
            url,
            etag=known.etag if conditional else None,
            last_modified=known.last_modified if conditional else None,
        )
        if response.not_modified:
            ctx.log.info("rss_feed_not_modified", feed_url=url)
            return known
        feed = parse_feed(response.body, response.content_location or url)
        entries: dict[str, str] = {}
        for entry in feed.entries:
            doc = map_entry(url, feed, entry)
            if doc.document_id in entries:
                continue  # a feed that repeats an entry id: the first one counts
            entries[doc.document_id] = doc.fingerprint
            ctx.increment_scanned()
            before = known.entries.get(doc.document_id)
            if not full and before == doc.fingerprint:
                continue
            if full or before is None:
                await ctx.emit(
                    doc.document_id, text=doc.text, metadata=doc.metadata, permissions=permissions
                )
            else:
                await ctx.emit_updated(
                    doc.document_id, text=doc.text, metadata=doc.metadata, permissions=permissions
                )
                ctx.increment_updated()
        ctx.log.info("rss_feed_synced", feed_url=url, entries=len(entries), format=feed.version)
        return FeedState(etag=response.etag, last_modified=response.last_modified, entries=entries)


def _failure(failures: list[FeedError]) -> Exception:
    summary = "; ".join(str(f) for f in failures)[:2000]
    if all(_permanent(f) for f in failures):
        return ConfigurationError(f"feeds not readable: {summary}")
    return TransientError(f"feeds failed: {summary}")


def _permanent(failure: FeedError) -> bool:
    """Gone, forbidden or not a feed: the operator must fix the URL; retrying will not help."""
    if isinstance(failure, FeedUnavailable):
        return failure.status is not None and 400 <= failure.status < 500
    return True  # the body is not a feed
