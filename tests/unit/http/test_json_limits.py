"""The one limit on stored JSON values (sluice_manager.http.json_limits, protocol §1.3)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from sluice_manager.http.errors import HttpError
from sluice_manager.http.json_limits import JsonLimits
from sluice_manager.settings import ManagerSettings

LIMITS = JsonLimits(max_depth=4, max_bytes=100)


def nested(levels: int, leaf: Any = 1) -> Any:
    """``levels`` arrays and objects, alternating, around ``leaf``."""
    value = leaf
    for level in range(levels):
        value = {"k": value} if level % 2 else [value]
    return value


def test_settings_hold_the_numbers() -> None:
    limits = JsonLimits.of(ManagerSettings())
    assert (limits.max_depth, limits.max_bytes) == (64, 4 * 1024 * 1024)


@pytest.mark.parametrize("value", [nested(4), nested(4, "text"), nested(3, {}), nested(3, [])])
def test_a_value_at_the_depth_limit_passes(value: Any) -> None:
    assert LIMITS.problem(value) is None


def test_one_level_more_is_refused() -> None:
    assert LIMITS.problem(nested(5)) == "nests deeper than 4 levels"
    assert LIMITS.problem({"a": 1, "b": [[[[1]]]]}) == "nests deeper than 4 levels"
    assert LIMITS.problem([{}, [[[[]]]]]) == "nests deeper than 4 levels"


def test_scalars_have_no_depth() -> None:
    assert LIMITS.problem(7) is None
    assert LIMITS.problem("x") is None


def test_the_parsers_deepest_value_is_refused() -> None:
    text = b"[" * 1024 + b"]" * 1024  # orjson's own limit
    assert JsonLimits(64, 1 << 20).problem(orjson.loads(text)) == "nests deeper than 64 levels"


@pytest.mark.parametrize(
    "value", ["a\x00b", {"k": "a\x00"}, {"a\x00": 1}, [1, ["\x00"]], {"k": [{"z\x00": None}]}]
)
def test_a_nul_anywhere_is_refused(value: Any) -> None:
    assert "NUL" in str(LIMITS.problem(value))
    assert LIMITS.problem(value, nul=False) is None


def test_size_counts_the_json_text() -> None:
    fits = {"k": "x" * 90}  # 98 bytes as JSON
    assert len(orjson.dumps(fits)) == 98
    assert LIMITS.problem(fits) is None
    assert LIMITS.problem({"k": "x" * 93}) == "exceeds 100 bytes as JSON"


def test_a_body_within_the_size_limit_is_not_measured_again() -> None:
    big = {"k": "x" * 500}
    assert LIMITS.problem(big, size=90) is None  # the caller vouches: the text it came in was 90
    assert LIMITS.problem(big, size=600) == "exceeds 100 bytes as JSON"


def test_check_answers_422_naming_the_value() -> None:
    with pytest.raises(HttpError) as caught:
        LIMITS.check(nested(9), "checkpoint")
    assert (caught.value.status, caught.value.message) == (
        422,
        "checkpoint nests deeper than 4 levels",
    )
    LIMITS.check(nested(4), "checkpoint")  # no error
