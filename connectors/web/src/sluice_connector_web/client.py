"""HTTP side of the crawl: polite fetching (rate limit, robots.txt), conditional GET, sitemaps."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp

from sluice_connector_web.config import WebConfig
from sluice_sdk.errors import SourceHttpError, TransientError
from sluice_sdk.retry import RetryPolicy
from sluice_sdk.source_http import SourceHttp, conditional_headers


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


class WebClient:
    def __init__(self, session: aiohttp.ClientSession, config: WebConfig) -> None:
        self._config = config
        # One request per 1/rate seconds on average, across the whole crawl.
        self._seconds_per_request = 1 / config.requests_per_second
        self._http = SourceHttp(
            headers={"User-Agent": config.user_agent},
            max_rate=1,
            time_period=self._seconds_per_request,
            retry=RetryPolicy(attempts=3, backoff_base=1, backoff_max=20),
            timeout=config.timeout_seconds,
            session=session,
        )
        self._robots: dict[str, RobotFileParser] = {}

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> PageResponse:
        try:
            resp = await self._http.request(
                "GET",
                url,
                headers=conditional_headers(etag, last_modified),
                max_body_bytes=self._config.max_page_bytes,
            )
        except SourceHttpError as exc:
            return PageResponse(url=url, status=exc.status)
        except TransientError:
            return PageResponse(url=url, status=0)
        if resp.status != 200:
            return PageResponse(url=resp.url, status=resp.status)
        return PageResponse(
            url=resp.url,
            status=200,
            content_type=resp.content_type,
            charset=resp.charset,
            body=resp.body,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            truncated=resp.truncated,
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
        if seconds_per_request > self._seconds_per_request:
            self._seconds_per_request = seconds_per_request
            self._http.limit_rate(1, seconds_per_request)

    async def sitemaps_of(self, url: str) -> list[str]:
        """Sitemaps that robots.txt names, else the conventional /sitemap.xml."""
        parser = await self.robots(url)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}/"
        listed = parser.site_maps() or []
        if listed:
            return [urljoin(origin, s) for s in listed]
        return [urljoin(origin, "sitemap.xml")]
