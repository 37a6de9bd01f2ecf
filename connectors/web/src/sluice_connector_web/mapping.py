"""Pure functions of the crawl: URL normalisation and scope, links of a page, page → document."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from sluice_connector_web.config import WebConfig
from sluice_sdk.models import DocumentMetadata

HTML_TYPES = ("text/html", "application/xhtml+xml")


def normalise_url(url: str) -> str | None:
    """Absolute http(s) URL without fragment, lowercase scheme and host, default port dropped."""
    url, _ = urldefrag(url.strip())
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else f"{host}:{port}"
    )
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def in_scope(url: str, config: WebConfig) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    allowed = any(host == d or host.endswith("." + d) for d in config.allowed_domains)
    return allowed and not any(re.search(p, url) for p in config.exclude_patterns)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None
        self.nofollow = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and "nofollow" not in (values.get("rel") or ""):
            self.hrefs.append(values["href"] or "")
        elif tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag == "meta" and (values.get("name") or "").lower() == "robots":
            self.nofollow = "nofollow" in (values.get("content") or "").lower()


def extract_links(html: str, page_url: str) -> list[str]:
    """Normalised absolute links of the page, in order, without duplicates; none if nofollow."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    if parser.nofollow:
        return []
    base = urljoin(page_url, parser.base) if parser.base else page_url
    seen: dict[str, None] = {}
    for href in parser.hrefs:
        url = normalise_url(urljoin(base, href))
        if url is not None:
            seen.setdefault(url, None)
    return list(seen)


class _Title(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self._in: str | None = None
        self.noindex = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("title", "h1") and self._in is None:
            self._in = tag
        elif tag == "meta":
            values = dict(attrs)
            if (values.get("name") or "").lower() == "robots":
                self.noindex = "noindex" in (values.get("content") or "").lower()

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title" and not self.title.strip():
            self.title += data
        elif self._in == "h1" and not self.h1.strip():
            self.h1 += data


@dataclass(frozen=True, slots=True)
class PageDocument:
    document_id: str
    text: str
    metadata: DocumentMetadata
    noindex: bool


def readable_text(html: str, url: str) -> str:
    """The page's main text, boilerplate (navigation, footer) removed."""
    import trafilatura

    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=True, favor_recall=True
    )
    return text or ""


def http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None


def map_page(url: str, html: str, last_modified: str | None, depth: int) -> PageDocument:
    titles = _Title()
    titles.feed(html)
    titles.close()
    title = " ".join((titles.title or titles.h1).split()) or url
    text = readable_text(html, url)
    metadata = DocumentMetadata(
        title=title,
        updated_at=http_date(last_modified),
        content_type="web_page",
        mime_type="text/html",
        size=str(len(html.encode())),
        url=url,
        path=urlsplit(url).path or "/",
        extra={"host": urlsplit(url).hostname, "depth": depth},
    )
    return PageDocument(url, text, metadata, titles.noindex)


def sitemap_urls(xml: bytes) -> tuple[list[str], list[str]]:
    """``(page URLs, nested sitemap URLs)`` of a sitemap or sitemap index."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return [], []
    locs = [(el.text or "").strip() for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "loc"]
    locs = [loc for loc in locs if loc]
    if root.tag.rsplit("}", 1)[-1] == "sitemapindex":
        return [], locs
    return locs, []


def unique(urls: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(u for u in urls if u))
