"""HTTP side of the crawl: polite fetching (rate limit, robots.txt), conditional GET, sitemaps."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp
from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from connectors.web.config import WebConfig


class WebError(Exception):
    """Root of the web connector's errors."""


class _Transient(WebError):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class PageResponse:
    url: str  # after redirects
    status: int  # 200, 304, or the error status; 0 when the server could not be reached
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def gone(self) -> bool:
        """The page no longer exists (its document should be deleted)."""
        return self.status in (404, 410)


async def _read_at_most(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)


class WebClient:
    def __init__(self, session: aiohttp.ClientSession, config: WebConfig) -> None:
        self._session = session
        self._config = config
        self._headers = {"User-Agent": config.user_agent}
        self._timeout = aiohttp.ClientTimeout(total=config.timeout_seconds)
        # One request per 1/rate seconds on average, across the whole crawl.
        self._limiter = AsyncLimiter(1, 1 / config.requests_per_second)
        self._robots: dict[str, RobotFileParser] = {}

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> PageResponse:
        headers = dict(self._headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type((_Transient, aiohttp.ClientError, TimeoutError)),
                stop=stop_after_attempt(3),
                wait=wait_exponential_jitter(multiplier=1, max=20),
                reraise=True,
            ):
                with attempt:
                    return await self._get(url, headers)
        except _Transient as exc:
            return PageResponse(url=url, status=exc.status)
        except (aiohttp.ClientError, TimeoutError):
            return PageResponse(url=url, status=0)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _get(self, url: str, headers: dict[str, str]) -> PageResponse:
        async with (
            self._limiter,
            self._session.get(url, headers=headers, timeout=self._timeout) as resp,
        ):
            if resp.status in _RETRY_STATUSES:
                raise _Transient(resp.status)
            if resp.status != 200:
                return PageResponse(url=str(resp.url), status=resp.status)
            body = await _read_at_most(resp, self._config.max_page_bytes + 1)
            truncated = len(body) > self._config.max_page_bytes
            return PageResponse(
                url=str(resp.url),
                status=200,
                content_type=resp.content_type,
                charset=resp.charset,
                body=body[: self._config.max_page_bytes],
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
                truncated=truncated,
            )

    async def robots(self, url: str) -> RobotFileParser:
        """The origin's robots.txt rules, fetched once per crawl. Missing → everything allowed;
        an error status other than 4xx → nothing allowed (the usual reading of RFC 9309)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        parser = self._robots.get(origin)
        if parser is not None:
            return parser
        parser = RobotFileParser(origin + "/robots.txt")
        response = await self.fetch(origin + "/robots.txt")
        if response.ok:
            parser.parse(response.body.decode("utf-8", errors="replace").splitlines())
        elif 400 <= response.status < 500:
            parser.parse([])
        else:
            parser.parse(["User-agent: *", "Disallow: /"])
        self._robots[origin] = parser
        return parser

    async def allowed(self, url: str) -> bool:
        return (await self.robots(url)).can_fetch(self._config.user_agent, url)

    async def crawl_delay(self, url: str) -> float | None:
        delay = (await self.robots(url)).crawl_delay(self._config.user_agent)
        return float(delay) if delay is not None else None

    def slow_down(self, seconds_per_request: float) -> None:
        """Honour a robots.txt Crawl-delay longer than the configured rate."""
        if seconds_per_request > self._limiter.time_period:
            self._limiter = AsyncLimiter(1, seconds_per_request)

    async def sitemaps_of(self, url: str) -> list[str]:
        """Sitemaps that robots.txt names, else the conventional /sitemap.xml."""
        parser = await self.robots(url)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}/"
        listed = parser.site_maps() or []
        if listed:
            return [urljoin(origin, s) for s in listed]
        return [urljoin(origin, "sitemap.xml")]
