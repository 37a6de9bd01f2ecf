"""HTTP to a data source, for connector authors: rate limit, retries, pagination.

    async with SourceHttp("https://api.example.com", headers={"Authorization": "..."},
                          max_rate=10, time_period=1) as http:
        async for issue in http.paginate_link("/issues", params={"per_page": 100}):
            ...

Every request waits for the rate limiter (aiolimiter). 408, 425, 429 and 5xx answers and transport
errors are retried with backoff, honouring ``Retry-After`` (tenacity). Other statuses of 400 and
above raise ``SourceHttpError``, classified by ``sluice_sdk.errors.classify_source_status``
(401/403 are configuration errors); a 304 to a conditional request (``conditional_headers``) is
an answer.
The pagination helpers yield items across every page; a plain ``get_json`` whose answer says there
is a next page logs ``source_pagination_ignored``, so a forgotten loop shows up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import aiohttp
import orjson
import structlog
from aiolimiter import AsyncLimiter

from sluice_sdk._session import OwnedSession
from sluice_sdk.errors import SourceHttpError, TransientError
from sluice_sdk.retry import SOURCE_RETRY_STATUSES, RetryPolicy, parse_retry_after, retrying

Params = Mapping[str, str | int | float]
Extract = str | Callable[[Any], Any] | None
"""Where the items (or the next cursor) are: a dotted key path, a function, or None (the body)."""

log = structlog.get_logger("sluice_sdk.source_http")


@dataclass(frozen=True, slots=True)
class SourceResponse:
    status: int
    headers: Mapping[str, str]
    """Case-insensitive, as HTTP header names are."""
    body: bytes
    links: Mapping[str, str] = field(default_factory=dict)
    """``Link`` header targets by ``rel``."""
    url: str = ""
    """The URL that answered, after redirects."""
    truncated: bool = False
    """The body was longer than the request's ``max_body_bytes`` and was cut there."""

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None

    def _content_type_header(self) -> Message:
        header = Message()
        header["Content-Type"] = self.headers.get("Content-Type", "application/octet-stream")
        return header

    @property
    def content_type(self) -> str:
        """The media type, lower case, without parameters."""
        return self._content_type_header().get_content_type()

    @property
    def charset(self) -> str | None:
        return self._content_type_header().get_content_charset()


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` from a previous answer's validators."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def extract(value: Any, where: Extract) -> Any:
    if where is None:
        return value
    if callable(where):
        return where(value)
    for key in where.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _should_retry(exc: BaseException) -> bool:
    if isinstance(exc, SourceHttpError):
        return exc.status in SOURCE_RETRY_STATUSES
    return isinstance(exc, TransientError)


class SourceHttp(OwnedSession):
    def __init__(
        self,
        base_url: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        max_rate: float | None = None,
        time_period: float = 1.0,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        max_pages: int = 100_000,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        """``session``: share the caller's client session (the caller closes it)."""
        self.base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._limiter = AsyncLimiter(max_rate, time_period) if max_rate else None
        self.retry = retry or RetryPolicy()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_pages = max_pages
        super().__init__(session, aiohttp.ClientSession)

    def limit_rate(self, max_rate: float, time_period: float = 1.0) -> None:
        """From now on at most ``max_rate`` requests per ``time_period`` (e.g. a Crawl-delay)."""
        self._limiter = AsyncLimiter(max_rate, time_period)

    def _url(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else self.base_url + url

    # --- requests ----------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        max_body_bytes: int | None = None,
    ) -> SourceResponse:
        """Send with rate limit and retries. ``max_body_bytes`` bounds how much body is read."""
        full = self._url(url)
        async for attempt in retrying(self.retry, _should_retry):
            with attempt:
                return await self._once(
                    method, full, params, json, headers, max_body_bytes=max_body_bytes
                )
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _once(
        self,
        method: str,
        url: str,
        params: Params | None,
        json: Any,
        headers: Mapping[str, str] | None,
        *,
        max_body_bytes: int | None,
    ) -> SourceResponse:
        session = self._session()
        if self._limiter is not None:
            await self._limiter.acquire()
        data = orjson.dumps(json) if json is not None else None
        merged = {
            **self._headers,
            **({"Content-Type": "application/json"} if data else {}),
            **(headers or {}),
        }
        try:
            async with session.request(
                method, url, params=params, data=data, headers=merged, timeout=self._timeout
            ) as resp:
                body, truncated = await _read_body(resp, max_body_bytes)
                links = {
                    str(rel): str(link.get("url", ""))
                    for rel, link in resp.links.items()
                    if isinstance(rel, str)
                }
                if resp.status >= 400:
                    raise SourceHttpError(
                        resp.status,
                        method=method,
                        url=url,
                        body=body[:500].decode("utf-8", "replace"),
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                    )
                return SourceResponse(
                    resp.status, resp.headers.copy(), body, links, str(resp.url), truncated
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc

    async def get_json(self, url: str, *, params: Params | None = None) -> Any:
        """One GET. For listings use a ``paginate_*`` helper instead."""
        response = await self.request("GET", url, params=params)
        if "next" in response.links:
            log.warning("source_pagination_ignored", url=url)
        return response.json()

    # --- pagination --------------------------------------------------------------------------

    async def paginate_cursor(
        self,
        url: str,
        *,
        items: Extract,
        next_cursor: Extract,
        cursor_param: str = "cursor",
        params: Params | None = None,
    ) -> AsyncIterator[Any]:
        """Pages linked by a cursor in the body, sent back as ``cursor_param``."""
        query = dict(params or {})
        seen: set[str] = set()
        for _ in range(self.max_pages):
            body = (await self.request("GET", url, params=query)).json()
            for item in _items(body, items):
                yield item
            cursor = extract(body, next_cursor)
            if not cursor:
                return
            if str(cursor) in seen:
                raise TransientError(f"GET {url}: the source repeated cursor {cursor!r}")
            seen.add(str(cursor))
            query[cursor_param] = str(cursor)
        raise TransientError(f"GET {url}: more than {self.max_pages} pages")

    async def paginate_offset(
        self,
        url: str,
        *,
        items: Extract,
        page_size: int = 100,
        offset_param: str = "offset",
        limit_param: str = "limit",
        params: Params | None = None,
    ) -> AsyncIterator[Any]:
        """``offset``/``limit`` pages; a short page is the last."""
        offset = 0
        for _ in range(self.max_pages):
            query = {**(params or {}), offset_param: offset, limit_param: page_size}
            page = _items((await self.request("GET", url, params=query)).json(), items)
            for item in page:
                yield item
            if len(page) < page_size:
                return
            offset += len(page)
        raise TransientError(f"GET {url}: more than {self.max_pages} pages")

    async def paginate_link(
        self, url: str, *, items: Extract = None, params: Params | None = None
    ) -> AsyncIterator[Any]:
        """Pages chained by ``Link: <...>; rel="next"`` (RFC 8288), as GitHub and others do."""
        next_url: str | None = url
        query: Params | None = params
        for _ in range(self.max_pages):
            if next_url is None:
                return
            response = await self.request("GET", next_url, params=query)
            for item in _items(response.json(), items):
                yield item
            next_url = response.links.get("next")
            query = None  # the next link carries its own query
        raise TransientError(f"GET {url}: more than {self.max_pages} pages")


async def _read_body(resp: aiohttp.ClientResponse, limit: int | None) -> tuple[bytes, bool]:
    """The body, or its first ``limit`` bytes and whether there was more."""
    if limit is None:
        return await resp.read(), False
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    body = b"".join(chunks)
    return body[:limit], size > limit


def _items(body: Any, where: Extract) -> Sequence[Any]:
    found = extract(body, where)
    if found is None:
        return []
    if not isinstance(found, list):
        raise TypeError(f"expected a list of items, got {type(found).__name__}")
    return found
