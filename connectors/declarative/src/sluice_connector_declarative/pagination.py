"""Pagination as a pure state machine: what a page state asks for, and the state after the page.

Styles (``sync.streams[].pagination.style``):

* ``none``: one request.
* ``next_url``: the next page's URL is at a JSONPath of the body; ``link_header``: in the ``Link``
  header with ``rel="next"`` (RFC 8288); ``next_header``: in a named header. Relative URLs are
  resolved against the page's URL; the next request GETs that URL as it is.
* ``cursor``: a token at a JSONPath of the body, sent back in ``cursor_parameter``.
* ``offset``: ``offset_parameter`` receives the number of records seen so far (from 0).
* ``page_number``: ``page_parameter`` counts from ``start_page``.

With any style but ``none``, ``limit_parameter`` receives ``page_size`` on every request the runtime
builds (a next URL is followed as the API wrote it).

Every style stops on an empty page, on ``has_more`` false, when ``total`` records have been seen,
after ``max_pages`` pages, and when the next URL or cursor is missing, empty or the same as the one
just used. ``offset`` and ``page_number`` also stop on a page shorter than ``page_size`` (unless
``stop_on_short_page`` is false).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from requests.utils import parse_header_links
from yarl import URL

from sluice_connector_declarative.checkpoint import PageState
from sluice_connector_declarative.records import first as first_match
from sluice_descriptor.sync import Pagination

_URL_STYLES = frozenset({"next_url", "link_header", "next_header"})


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """What the paginator needs to know about a page it asked for."""

    body: Any
    headers: Mapping[str, str]
    url: str
    records: int


def first_state(spec: Pagination) -> PageState:
    if spec.style == "offset":
        return PageState(offset=0)
    if spec.style == "page_number":
        return PageState(page=spec.start_page)
    return PageState()


def page_parameters(spec: Pagination, state: PageState) -> dict[str, Any]:
    """Operation parameters carrying the page position (empty for a URL to follow)."""
    params: dict[str, Any] = {}
    if spec.style == "cursor" and state.cursor is not None and spec.cursor_parameter:
        params[spec.cursor_parameter] = state.cursor
    elif spec.style == "offset" and spec.offset_parameter:
        params[spec.offset_parameter] = state.offset or 0
    elif spec.style == "page_number" and spec.page_parameter:
        params[spec.page_parameter] = state.page if state.page is not None else spec.start_page
    if spec.style != "none" and spec.limit_parameter and spec.page_size:
        params[spec.limit_parameter] = spec.page_size
    return params


def next_state(spec: Pagination, state: PageState, page: FetchedPage) -> PageState | None:
    """The state of the next page, or None when the stream has no more pages."""
    pages, seen = state.pages + 1, state.seen + page.records
    if _stops(spec, page, pages, seen):
        return None
    if spec.style in _URL_STYLES:
        url = _next_url(spec, page)
        if url is None or url == page.url:
            return None
        return PageState(url=url, pages=pages, seen=seen)
    if spec.style == "cursor":
        cursor = _present(first_match(spec.cursor, page.body)) if spec.cursor else None
        if cursor is None or cursor == state.cursor:
            return None
        return PageState(cursor=cursor, pages=pages, seen=seen)
    if spec.style == "offset":
        return PageState(offset=(state.offset or 0) + page.records, pages=pages, seen=seen)
    if spec.style == "page_number":
        number = state.page if state.page is not None else spec.start_page
        return PageState(page=number + 1, pages=pages, seen=seen)
    return None


def _stops(spec: Pagination, page: FetchedPage, pages: int, seen: int) -> bool:
    if page.records == 0 or spec.style == "none":
        return True
    if spec.max_pages is not None and pages >= spec.max_pages:
        return True
    if spec.has_more and first_match(spec.has_more, page.body) is False:
        return True
    if spec.total:
        total = first_match(spec.total, page.body)
        if isinstance(total, int) and not isinstance(total, bool) and seen >= total:
            return True
    short = spec.page_size is not None and page.records < spec.page_size
    return spec.style in ("offset", "page_number") and spec.stop_on_short_page and short


def _next_url(spec: Pagination, page: FetchedPage) -> str | None:
    if spec.style == "next_url":
        found = _present(first_match(spec.next_url, page.body)) if spec.next_url else None
        raw = found if isinstance(found, str) else None
    elif spec.style == "link_header":
        raw = link_target(header_values(page.headers, "Link"), "next")
    else:
        values = header_values(page.headers, spec.header) if spec.header else []
        raw = values[0].strip() if values and values[0].strip() else None
    if raw is None:
        return None
    target = URL(raw)
    return raw if target.is_absolute() else str(URL(page.url).join(target))


def _present(value: Any) -> Any:
    """None for the values that mean "no next page": absent, null and the empty string."""
    return None if value is None or value == "" else value


def header_values(headers: Mapping[str, str], name: str) -> list[str]:
    """Every value of a header, whatever the case of its name (one or many lines)."""
    getall = getattr(headers, "getall", None)
    if callable(getall):
        return list(getall(name, []))
    wanted = name.lower()
    return [value for key, value in headers.items() if key.lower() == wanted]


def link_target(values: list[str], rel: str) -> str | None:
    """The target of the first link with relation ``rel`` in ``Link`` header values."""
    for value in values:
        for link in parse_header_links(value):
            if rel in str(link.get("rel", "")).split():
                target = link.get("url")
                if isinstance(target, str) and target:
                    return target
    return None
