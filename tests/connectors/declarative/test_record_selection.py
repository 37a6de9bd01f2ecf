"""Selecting a page's records: the direct path for ``$[*]`` and ``$.name[*]`` selects what
python-jsonpath selects; every other expression goes through python-jsonpath."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sluice_connector_declarative.records import select_records
from sluice_descriptor.jsonpaths import compile_path
from tests.unit.descriptor.strategies import KEYS, json_values, objects

PLAIN = ("$[*]", "$.items[*]", "$.a[*]", "$.id[*]", "$._x1[*]")


def by_jsonpath(path: str, body: Any) -> list[Any]:
    return [match.obj for match in compile_path(path).finditer(body)]


bodies = st.one_of(
    json_values,
    objects,
    st.builds(lambda key, value: {key: value}, st.sampled_from(KEYS), json_values),
    st.builds(lambda items: {"items": items}, st.lists(json_values, max_size=4)),
)


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(PLAIN), body=bodies)
def test_plain_wildcards_select_the_nodes_jsonpath_selects(path: str, body: Any) -> None:
    selected = list(select_records(path, body))
    expected = by_jsonpath(path, body)
    assert selected == expected
    assert all(a is b for a, b in zip(selected, expected, strict=True))  # the nodes, not copies


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("$.data.items[*]", {"data": {"items": [1, 2]}}, [1, 2]),
        ("$.items[?@.id > 1]", {"items": [{"id": 1}, {"id": 2}]}, [{"id": 2}]),
        ("$['items'][*]", {"items": [3]}, [3]),
        ("$.items[1:]", {"items": [4, 5, 6]}, [5, 6]),
    ],
)
def test_other_expressions_go_through_jsonpath(path: str, body: Any, expected: list[Any]) -> None:
    assert list(select_records(path, body)) == expected == by_jsonpath(path, body)
