"""Fetching feeds over HTTP with conditional GET, and parsing them with feedparser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import aiohttp
import feedparser  # type: ignore[import-untyped]

from sluice_sdk.errors import SourceHttpError, TransientError
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.source_http import SourceHttp, conditional_headers


class FeedError(Exception):
    """Root of the rss connector's errors."""


class FeedUnavailable(FeedError):
    """The feed answered an error status or could not be reached (after retries)."""

    def __init__(self, url: str, status: int | None, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FeedResponse:
    url: str
    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_location: str | None = None


class FeedClient:
    """Conditional GETs of feeds over the SDK's ``SourceHttp`` (retries transient answers)."""

    def __init__(self, session: aiohttp.ClientSession, *, user_agent: str, timeout: float) -> None:
        self._http = SourceHttp(
            headers={"User-Agent": user_agent, "Accept": _ACCEPT},
            retry=RetryPolicy(attempts=3, backoff_base=0.5, backoff_max=10),
            timeout=timeout,
            session=session,
        )

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse:
        """GET the feed; with ``etag``/``last_modified`` a 304 gives ``not_modified``."""
        try:
            resp = await self._http.request(
                "GET", url, headers=conditional_headers(etag, last_modified)
            )
        except SourceHttpError as exc:
            raise FeedUnavailable(url, exc.status, f"HTTP {exc.status}") from exc
        except TransientError as exc:
            raise FeedUnavailable(url, None, str(exc)) from exc
        if resp.status == 304:
            return FeedResponse(url=url, not_modified=True)
        return FeedResponse(
            url=url,
            not_modified=False,
            body=resp.body,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            content_location=resp.url,
        )


_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """The members of a feed entry the mapping uses, whatever the feed dialect."""

    entry_id: str | None
    link: str | None
    title: str | None
    author: str | None
    summary: str | None
    content: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    categories: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    link: str | None
    version: str
    entries: list[ParsedEntry]


def _when(value: Any) -> datetime | None:
    if isinstance(value, struct_time):
        return datetime(*value[:6], tzinfo=UTC)
    return None


def parse_feed(body: bytes, url: str) -> ParsedFeed:
    """Parse RSS 2.0, RSS 1.0 (RDF) or Atom; raises FeedError when it is no feed at all."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.version and not parsed.entries:
        reason = str(parsed.get("bozo_exception", "not a feed"))
        raise FeedError(f"{url}: {reason}")
    entries = [
        ParsedEntry(
            entry_id=e.get("id") or None,
            link=e.get("link") or None,
            title=e.get("title") or None,
            author=e.get("author") or None,
            summary=e.get("summary") or None,
            content=[c.get("value", "") for c in e.get("content", []) if c.get("value")],
            # dict.get: FeedParserDict maps a missing "updated" to "published" with a warning.
            published=_when(dict.get(e, "published_parsed")),
            updated=_when(dict.get(e, "updated_parsed")),
            categories=[t.get("term") for t in e.get("tags", []) if t.get("term")],
        )
        for e in parsed.entries
    ]
    feed = parsed.feed
    return ParsedFeed(
        title=feed.get("title") or None,
        link=feed.get("link") or None,
        version=parsed.version or "unknown",
        entries=entries,
    )
