"""The evaluator's fast paths (precomputed shapes, ``dict`` before the ``Mapping`` check, the
common value types first) give what the plain evaluation below gives, for every shape."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sluice_descriptor.functions import FUNCTIONS, LAZY_FUNCTIONS, parse_datetime, text_of
from sluice_descriptor.templates import Call, Literal, MissingVariable, Path, Template
from tests.unit.descriptor.strategies import json_values, objects, templates


def plain_text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def plain_resolve(ctx: Any, segments: tuple[str, ...]) -> tuple[bool, Any]:
    value = ctx
    for segment in segments:
        if isinstance(value, Mapping):
            if segment not in value:
                return False, None
            value = value[segment]
        elif isinstance(value, list | tuple) and segment.lstrip("-").isdigit():
            index = int(segment)
            if not -len(value) <= index < len(value):
                return False, None
            value = value[index]
        else:
            return False, None
    return True, value


def plain_value(part: Path | Call, ctx: Mapping[str, Any], strict: bool) -> Any:
    if isinstance(part, Path):
        found, value = plain_resolve(ctx, part.segments)
        if not found and strict:
            raise MissingVariable(part.dotted)
        return value
    lenient = part.name in LAZY_FUNCTIONS or not strict
    args = [plain_evaluate(arg, ctx, strict=not lenient) for arg in part.args]
    return FUNCTIONS[part.name].call(*args)


def plain_render(template: Template, ctx: Mapping[str, Any], strict: bool) -> str:
    return "".join(
        part.text if isinstance(part, Literal) else plain_text_of(plain_value(part, ctx, strict))
        for part in template.parts
    )


def plain_evaluate(template: Template, ctx: Mapping[str, Any], strict: bool) -> Any:
    if len(template.parts) == 1 and not isinstance(template.parts[0], Literal):
        return plain_value(template.parts[0], ctx, strict)
    return plain_render(template, ctx, strict)


def outcome(compute: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    try:
        return ("value", compute(*args, **kwargs))
    except Exception as exc:  # the same error, by type and message, is the same outcome
        return ("error", type(exc).__name__, str(exc))


@settings(max_examples=400, deadline=None)
@given(text=templates, ctx=objects)
def test_render_and_evaluate_match_the_plain_evaluation(text: str, ctx: dict[str, Any]) -> None:
    try:
        template = Template.parse(text)
    except Exception:
        return  # parse errors are test_templates.py's
    for context in (ctx, MappingProxyType(ctx)):  # a dict, and a Mapping that is no dict
        for strict in (True, False):
            assert outcome(template.render, context, strict=strict) == outcome(
                plain_render, template, context, strict
            )
            assert outcome(template.evaluate, context, strict=strict) == outcome(
                plain_evaluate, template, context, strict
            )


def test_shapes_are_precomputed_at_parse_time() -> None:
    assert Template.parse("plain {{x}}").constant == "plain {x}"
    assert Template.parse("").constant == ""
    assert Template.parse("{a.b}").lone == Path(("a", "b"), 0)
    assert Template.parse("x{a}").lone is None
    assert Template.parse("x{a}").constant is None
    assert Template.parse("{lower({a})}").lone is not None


@given(json_values)
def test_text_of_matches_the_plain_rules(value: Any) -> None:
    assert text_of(value) == plain_text_of(value)


def plain_parse_datetime(text: str) -> datetime:
    stripped = text.strip()
    try:
        return parse_datetime(float(stripped))
    except ValueError:
        moment = datetime.fromisoformat(stripped)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_TIMESTAMP_TEXT = st.one_of(
    st.from_regex(
        r"\s?[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
        r"(Z|[+-][0-9]{2}:?[0-9]{2})?\s?",
        fullmatch=True,
    ),
    st.text(alphabet="0123456789-+.eE:TZ _", max_size=14),
)


@settings(max_examples=300, deadline=None)
@given(_TIMESTAMP_TEXT)
@example("1.0e-5")  # a number with "-" at index 4: not taken for ISO 8601
@example("2026-03-01")
@example(" 1772618400 ")
def test_parsing_timestamp_text_matches_trying_a_number_first(text: str) -> None:
    assert outcome(parse_datetime, text) == outcome(plain_parse_datetime, text)
