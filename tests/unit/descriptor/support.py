"""Descriptor texts for the tests, and where a snippet sits in them."""

from __future__ import annotations

from sluice_descriptor import Problem, load_text

BASE = """\
metadata:
  name: Example API
  slug: example-api
  description: An example API for the tests.
  publisher: Sluice tests
source_config:
  - key: base_url
    label: Base URL
authentication:
  - type: api_key
    fields:
      - key: token
        label: Token
        field_type: secret
operations:
  - operation_id: list_items
    endpoint: "{base_url}/items"
    summary: List items
    auth_type_ref: api_key
    auth_headers:
      Authorization: "Bearer {token}"
    parameters:
      - name: page
        location: query
        field_type: integer
      - name: cursor
        location: query
      - name: since
        location: query
    tags: [read]
"""


def position(text: str, snippet: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column where the ``occurrence``-th ``snippet`` starts."""
    index = -1
    for _ in range(occurrence):
        index = text.index(snippet, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def problems(text: str) -> list[Problem]:
    validation = load_text(text, filename="test.yaml")
    assert validation.descriptor is None, "expected problems"
    assert not validation.ok
    return validation.problems


def only_problem(text: str) -> Problem:
    found = problems(text)
    assert len(found) == 1, [p.render() for p in found]
    return found[0]


def assert_at(problem: Problem, text: str, snippet: str, occurrence: int = 1) -> None:
    assert (problem.line, problem.column) == position(text, snippet, occurrence), problem.render()
