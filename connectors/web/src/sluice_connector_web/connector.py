"""Sync logic: a breadth-first crawl within the allowed domains, polite and bounded.

Checkpoint: ``{"pages": {url: {"etag", "last_modified", "depth"}}}``, the pages the last crawl
indexed. An incremental run revalidates each of them with a conditional GET (304: unchanged, its
links are already known pages) and follows links of pages that changed, so new pages are found
where they are linked. A full run fetches everything unconditionally and emits every page it
reaches (§10.7); pages it no longer reaches are pruned by the manager.
"""

from __future__ import annotations

from collections import deque
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pydantic import BaseModel, ConfigDict, Field

from sluice_connector_web.client import PageResponse, WebClient
from sluice_connector_web.config import WebConfig
from sluice_connector_web.mapping import (
    HTML_TYPES,
    extract_links,
    in_scope,
    map_page,
    normalise_url,
    sitemap_urls,
    unique,
)
from sluice_sdk.connector import Connector, NoCredentials
from sluice_sdk.context import SyncContext
from sluice_sdk.models import DocumentPermissions

CHECKPOINT_EVERY_PAGES = 100
MAX_SITEMAPS = 20
# Documents the manager extracts (protocol §4.5), when a crawl links to them.
EXTRACTED_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


class PageState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    etag: str | None = None
    last_modified: str | None = None
    depth: int = 0


class WebCheckpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pages: dict[str, PageState] = Field(default_factory=dict)

    @classmethod
    def load(cls, value: object) -> WebCheckpoint:
        return cls.model_validate(value) if isinstance(value, dict) else cls()


class WebConnector(Connector[WebConfig, NoCredentials]):
    name = "web"
    display_name = "Web site"
    version = "0.1.0"
    description = "Pages of web sites: robots.txt, sitemaps, depth and page limits, readable text."
    source_types = ["web"]
    sync_modes = ["full", "incremental"]
    config_model = WebConfig

    async def sync(self, ctx: SyncContext[WebConfig, NoCredentials]) -> None:
        async with aiohttp.ClientSession() as session:
            await _Crawl(ctx, WebClient(session, ctx.config)).run()


class _Crawl:
    def __init__(self, ctx: SyncContext[WebConfig, NoCredentials], client: WebClient) -> None:
        self.ctx = ctx
        self.config = ctx.config
        self.client = client
        self.full = ctx.sync_mode == "full"
        # From the request: the SDK hands a fresh full run no checkpoint (§10.7), but the pages a
        # full crawl fails to fetch stay known, and known pages that are gone are deleted.
        self.known = WebCheckpoint.load(ctx.request.checkpoint).pages
        self.indexed: dict[str, PageState] = {}
        self.queue: deque[tuple[str, int]] = deque()
        self.seen: set[str] = set()
        self.fetched = 0
        self.permissions = DocumentPermissions(public=self.config.public, users=[], groups=[])

    async def run(self) -> None:
        starts = unique(normalise_url(u) for u in self.config.start_urls)
        for url in starts:
            delay = await self.client.crawl_delay(url)
            if delay:
                self.client.slow_down(delay)
        self.queue.extend((url, 0) for url in starts)
        if self.config.use_sitemaps:
            self.queue.extend((url, 0) for url in await self._sitemap_pages(starts))
        if not self.full:
            self.queue.extend((url, page.depth) for url, page in self.known.items())
        while self.queue and self.fetched < self.config.max_pages:
            url, depth = self.queue.popleft()
            await self._visit(url, depth)
            if self.fetched and self.fetched % CHECKPOINT_EVERY_PAGES == 0:
                await self.ctx.save_checkpoint(self._checkpoint(partial=True))
        self.ctx.log.info("web_crawl_done", fetched=self.fetched, indexed=len(self.indexed))
        await self.ctx.save_checkpoint(self._checkpoint(partial=False))

    def _checkpoint(self, *, partial: bool) -> dict[str, object]:
        pages = dict(self.indexed)
        if partial or not self.full:
            # Pages not (yet) revalidated stay known; a full crawl's result replaces the rest.
            pages = {**{u: p for u, p in self.known.items() if u not in self.seen}, **pages}
        return WebCheckpoint(pages=pages).model_dump(mode="json")

    async def _sitemap_pages(self, starts: list[str]) -> list[str]:
        pending: deque[str] = deque()
        for origin in unique(f"{urlsplit(u).scheme}://{urlsplit(u).netloc}/" for u in starts):
            pending.extend(await self.client.sitemaps_of(origin))
        pages: list[str] = []
        visited: set[str] = set()
        while pending and len(visited) < MAX_SITEMAPS:
            sitemap = pending.popleft()
            if sitemap in visited or not await self.client.allowed(sitemap):
                continue
            visited.add(sitemap)
            response = await self.client.fetch(sitemap)
            if not response.ok:
                continue
            found, nested = sitemap_urls(response.body)
            pages.extend(found)
            pending.extend(nested)
        return unique(normalise_url(u) for u in pages)

    async def _visit(self, url: str, depth: int) -> None:
        if url in self.seen or not in_scope(url, self.config):
            return
        self.seen.add(url)
        if not await self.client.allowed(url):
            return
        known = self.known.get(url)
        conditional = known is not None and not self.full
        response = await self.client.fetch(
            url,
            etag=known.etag if known and conditional else None,
            last_modified=known.last_modified if known and conditional else None,
        )
        self.fetched += 1
        self.ctx.increment_scanned()
        if response.status == 304 and known is not None:
            self.indexed[url] = known.model_copy(update={"depth": min(known.depth, depth)})
            return
        if response.gone:
            if known is not None:
                await self.ctx.emit_deleted(url)
            return
        if not response.ok:
            self.ctx.log.warning("web_fetch_failed", url=url, status=response.status)
            if known is not None:  # a failure is not a deletion; try again next time
                self.indexed[url] = known
            return
        final = normalise_url(response.url) or url
        if final != url:
            if final in self.seen or not in_scope(final, self.config):
                return
            self.seen.add(final)
        await self._index(final, depth, response, self.known.get(final))

    async def _index(
        self, url: str, depth: int, response: PageResponse, known: PageState | None
    ) -> None:
        state = PageState(etag=response.etag, last_modified=response.last_modified, depth=depth)
        if response.content_type in EXTRACTED_TYPES:
            name = urlsplit(url).path.rsplit("/", 1)[-1] or None
            content_id = await self.ctx.content.save_file(
                response.body, response.content_type, filename=name
            )
            metadata = {"title": name or url, "url": url, "mime_type": response.content_type}
            await self._emit(url, content_id, metadata, known)
            self.indexed[url] = state
            return
        if response.content_type not in HTML_TYPES:
            return
        html = _decode(response)
        page = map_page(url, html, response.last_modified, depth)
        if page.noindex:
            if known is not None:
                await self.ctx.emit_deleted(url)
        else:
            content_id = await self.ctx.content.save_text(page.text)
            await self._emit(url, content_id, page.metadata.model_dump(), known)
            self.indexed[url] = state
        if depth < self.config.max_depth:
            for link in extract_links(html, url):
                if link not in self.seen and in_scope(link, self.config):
                    self.queue.append((link, depth + 1))

    async def _emit(
        self, url: str, content_id: str, metadata: dict[str, Any], known: PageState | None
    ) -> None:
        if known is None or self.full:
            await self.ctx.emit(
                url, content_id=content_id, metadata=metadata, permissions=self.permissions
            )
        else:
            await self.ctx.emit_updated(
                url, content_id=content_id, metadata=metadata, permissions=self.permissions
            )
            self.ctx.increment_updated()


def _decode(response: PageResponse) -> str:
    # Without a declared charset, UTF-8: what nearly every page is today.
    try:
        return response.body.decode(response.charset or "utf-8", errors="replace")
    except LookupError:
        return response.body.decode("utf-8", errors="replace")
