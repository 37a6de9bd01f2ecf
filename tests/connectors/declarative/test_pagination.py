"""The pagination state machine, style by style, and every stop condition (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict

from sluice_connector_declarative.checkpoint import PageState
from sluice_connector_declarative.pagination import (
    FetchedPage,
    first_state,
    link_target,
    next_state,
    page_parameters,
)
from sluice_descriptor.sync import Pagination

URL = "https://api.example.com/items?page=1"


def page(
    records: int, body: Any = None, headers: dict[str, str] | None = None, url: str = URL
) -> FetchedPage:
    return FetchedPage(body=body, headers=CIMultiDict(headers or {}), url=url, records=records)


def walk(spec: Pagination, pages: list[FetchedPage]) -> list[PageState]:
    """The states a stream goes through, the first included, until the machine says stop."""
    state: PageState | None = first_state(spec)
    seen: list[PageState] = []
    for fetched in pages:
        assert state is not None, f"stopped early after {seen}"
        seen.append(state)
        state = next_state(spec, state, fetched)
    assert state is None, f"did not stop; next would be {state}"
    return seen


def test_none_makes_one_request() -> None:
    spec = Pagination()
    assert walk(spec, [page(5)]) == [PageState()]
    assert page_parameters(spec, first_state(spec)) == {}


def test_next_url_from_body_resolves_relative_urls_and_stops_on_null() -> None:
    spec = Pagination(style="next_url", next_url="$.links.next")
    states = walk(
        spec,
        [
            page(2, {"links": {"next": "/items?page=2"}}),
            page(
                2,
                {"links": {"next": "https://api.example.com/items?page=3"}},
                url="https://api.example.com/items?page=2",
            ),
            page(1, {"links": {"next": None}}, url="https://api.example.com/items?page=3"),
        ],
    )
    assert [s.url for s in states] == [
        None,
        "https://api.example.com/items?page=2",
        "https://api.example.com/items?page=3",
    ]
    assert [s.pages for s in states] == [0, 1, 2]
    assert [s.seen for s in states] == [0, 2, 4]


def test_next_url_stops_when_the_api_points_at_the_same_page() -> None:
    spec = Pagination(style="next_url", next_url="$.next")
    assert next_state(spec, PageState(url=URL), page(3, {"next": URL})) is None
    assert next_state(spec, PageState(), page(3, {"next": ""})) is None


def test_link_header_follows_rel_next_among_other_relations() -> None:
    spec = Pagination(style="link_header")
    link = (
        '<https://api.example.com/items?page=1>; rel="first", '
        '<https://api.example.com/items?page=2>; rel="next", '
        '<https://api.example.com/items?page=9>; rel="last"'
    )
    following = next_state(spec, PageState(), page(10, [], {"Link": link}))
    assert following == PageState(url="https://api.example.com/items?page=2", pages=1, seen=10)
    last = (
        '<https://api.example.com/items?page=1>; rel="first", '
        '<https://api.example.com/items?page=9>; rel="prev"'
    )
    assert next_state(spec, following, page(10, [], {"link": last})) is None


def test_link_target_reads_several_header_lines_and_space_separated_relations() -> None:
    values = ['<https://a/1>; rel="prev"', '<https://a/3>; rel="next last"']
    assert link_target(values, "next") == "https://a/3"
    assert link_target(["<https://a/1>; rel=prev"], "next") is None


def test_next_header_takes_the_named_header() -> None:
    spec = Pagination(style="next_header", header="X-Next-Page")
    following = next_state(spec, PageState(), page(4, [], {"x-next-page": "/items?after=abc"}))
    assert following is not None
    assert following.url == "https://api.example.com/items?after=abc"
    assert next_state(spec, following, page(4, [], {})) is None


def test_cursor_is_sent_back_as_a_parameter_until_absent() -> None:
    spec = Pagination(style="cursor", cursor="$.meta.next", cursor_parameter="after")
    first = first_state(spec)
    assert page_parameters(spec, first) == {}
    second = next_state(spec, first, page(2, {"meta": {"next": "c2"}}))
    assert second is not None
    assert page_parameters(spec, second) == {"after": "c2"}
    assert next_state(spec, second, page(2, {"meta": {}})) is None


def test_cursor_that_repeats_stops_instead_of_looping() -> None:
    spec = Pagination(style="cursor", cursor="$.next", cursor_parameter="after")
    assert next_state(spec, PageState(cursor="c2"), page(2, {"next": "c2"})) is None


def test_offset_advances_by_records_and_stops_on_a_short_page() -> None:
    spec = Pagination(
        style="offset", offset_parameter="_start", limit_parameter="_limit", page_size=3
    )
    states = walk(spec, [page(3), page(3), page(2)])
    assert [page_parameters(spec, s) for s in states] == [
        {"_start": 0, "_limit": 3},
        {"_start": 3, "_limit": 3},
        {"_start": 6, "_limit": 3},
    ]


def test_offset_without_short_page_stop_reads_until_an_empty_page() -> None:
    spec = Pagination(
        style="offset", offset_parameter="skip", page_size=3, stop_on_short_page=False
    )
    states = walk(spec, [page(3), page(2), page(0)])
    assert [s.offset for s in states] == [0, 3, 5]


def test_page_number_counts_from_start_page() -> None:
    spec = Pagination(
        style="page_number",
        page_parameter="_page",
        limit_parameter="_limit",
        page_size=2,
        start_page=0,
    )
    states = walk(spec, [page(2), page(2), page(1)])
    assert [page_parameters(spec, s) for s in states] == [
        {"_page": 0, "_limit": 2},
        {"_page": 1, "_limit": 2},
        {"_page": 2, "_limit": 2},
    ]


def test_has_more_false_stops() -> None:
    spec = Pagination(style="cursor", cursor="$.next", cursor_parameter="c", has_more="$.has_more")
    assert next_state(spec, PageState(), page(2, {"next": "x", "has_more": False})) is None
    assert next_state(spec, PageState(), page(2, {"next": "x", "has_more": True})) is not None


def test_total_reached_stops() -> None:
    spec = Pagination(style="offset", offset_parameter="startAt", page_size=50, total="$.total")
    state = PageState(offset=50, pages=1, seen=50)
    assert next_state(spec, state, page(50, {"total": 100})) is None
    assert next_state(spec, state, page(50, {"total": 101})) == PageState(
        offset=100, pages=2, seen=100
    )


def test_max_pages_caps_the_stream() -> None:
    spec = Pagination(style="page_number", page_parameter="p", max_pages=2)
    states = walk(spec, [page(5), page(5)])
    assert [s.page for s in states] == [1, 2]


@pytest.mark.parametrize("style", ["next_url", "link_header", "cursor", "offset", "page_number"])
def test_an_empty_page_always_stops(style: str) -> None:
    spec = Pagination.model_validate(
        {
            "style": style,
            "next_url": "$.next",
            "cursor": "$.next",
            "cursor_parameter": "c",
            "offset_parameter": "o",
            "page_parameter": "p",
            "stop_on_short_page": False,
        }
    )
    headers = {"Link": '<https://a/2>; rel="next"'}
    assert next_state(spec, first_state(spec), page(0, {"next": "https://a/2"}, headers)) is None
