"""A descriptor nests at most as deep as any stored JSON value (issue 19 item 2, §1.3): deeper
text is one problem, never a crash of the YAML library's recursion."""

from __future__ import annotations

import pytest

from sluice_descriptor import load_text
from sluice_descriptor.loader import MAX_DEPTH
from tests.unit.descriptor.support import BASE


def _with_default(value: str) -> str:
    head = (
        "source_config:\n  - key: deep\n    label: Deep\n    required: false\n    default_value: "
    )
    return BASE.replace("source_config:\n", head + value + "\n", 1)


@pytest.mark.parametrize("levels", [MAX_DEPTH, 300, 5000])
def test_deeper_than_the_limit_is_one_problem(levels: int) -> None:
    flow = "[" * levels + "]" * levels  # under the root, the list and its item: three more
    validation = load_text(_with_default(flow))
    assert not validation.ok
    assert [p.message for p in validation.problems] == [f"nests deeper than {MAX_DEPTH} levels"]


def test_json_text_is_held_to_the_same_limit() -> None:
    text = '{"metadata":' * 100 + "1" + "}" * 100
    validation = load_text(text)
    assert [p.message for p in validation.problems] == [f"nests deeper than {MAX_DEPTH} levels"]


def test_the_limit_is_a_parameter() -> None:
    # The root, source_config, its item, then the two lists: five levels.
    assert [p.message for p in load_text(_with_default("[[1]]"), max_depth=4).problems] == [
        "nests deeper than 4 levels"
    ]
    problems = load_text(_with_default("[[1]]"), max_depth=5).problems
    assert "nests deeper than 5 levels" not in [p.message for p in problems]
