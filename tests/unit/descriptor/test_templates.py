"""Templates: substitution, paths, functions, escapes, and the errors of each."""

from __future__ import annotations

import pytest

from sluice_descriptor import MissingVariable, Template, TemplateError
from sluice_descriptor.errors import FunctionFailed

RECORD = {
    "id": 7,
    "fields": {"summary": "Crash", "updated": "2024-03-05T10:20:30.000+0100", "labels": ["a", "b"]},
    "items": [{"id": "x1"}, {"id": "x2"}],
    "flag": True,
    "none": None,
}


def render(text: str, ctx: dict[str, object] | None = None) -> str:
    return Template.parse(text).render(RECORD if ctx is None else ctx)


def test_substitution_and_dotted_paths_with_list_indexes() -> None:
    assert render("{fields.summary} #{id} ({items.1.id}, {items.-1.id})") == "Crash #7 (x2, x2)"


def test_values_print_as_json_and_null_prints_empty() -> None:
    assert render("{flag}|{none}|{fields.labels}") == 'true||["a","b"]'


def test_evaluate_keeps_the_type_of_a_lone_expression() -> None:
    assert Template.parse("{id}").evaluate(RECORD) == 7
    assert Template.parse("{fields.labels}").evaluate(RECORD) == ["a", "b"]
    assert Template.parse("#{id}").evaluate(RECORD) == "#7"


def test_doubled_braces_are_literal() -> None:
    assert render("{{id}} {{{id}}}") == "{id} {7}"


def test_base64_of_composed_text() -> None:
    ctx = {"email": "me@example.com", "api_token": "t0k"}
    assert render("Basic {base64({email}:{api_token})}", ctx) == "Basic bWVAZXhhbXBsZS5jb206dDBr"


def test_urlencode_json_case_and_trim() -> None:
    ctx = {"jql": "project = A&B", "doc": {"k": [1, None]}, "name": "  Mixed  "}
    assert render("q={urlencode({jql})}", ctx) == "q=project%20%3D%20A%26B"
    assert render("{json({doc})}", ctx) == '{"k":[1,null]}'
    assert render("{lower({name})}|{upper({trim({name})})}", ctx) == "  mixed  |MIXED"


def test_date_formats_iso_text_and_epoch_numbers() -> None:
    assert render("{date({fields.updated}, %Y/%m/%d %H:%M)}") == "2024/03/05 10:20"
    assert render("{date({fields.updated}, epoch)}") == "1709630430"
    assert render("{date({t})}", {"t": 0}) == "1970-01-01T00:00:00+00:00"
    assert render("{date({t}, %Y)}", {"t": 1_700_000_000_000}) == "2023"  # milliseconds
    assert render("{date({t}, epoch_ms)}", {"t": "2024-01-01T00:00:00Z"}) == "1704067200000"
    assert render("[{date({none})}]") == "[]"


def test_a_date_that_is_no_date_fails_naming_the_function() -> None:
    with pytest.raises(FunctionFailed, match=r"date\(\): 'soon' is not a date"):
        render("{date({t})}", {"t": "soon"})


def test_default_coalesce_and_join_tolerate_missing_values() -> None:
    assert render("{default({missing}, none)}") == "none"
    assert render("{default({fields.summary}, none)}") == "Crash"
    assert render("{coalesce({a}, {none}, {id})}") == "7"
    assert render("{join({fields.labels})}|{join({fields.labels}, /)}") == "a, b|a/b"


def test_arguments_keep_balanced_parentheses_and_escaped_commas() -> None:
    ctx = {"p": "A"}
    template = "{urlencode(project = {p} AND status IN (Open, Done))}"
    assert render(template, ctx) == "project%20%3D%20A%20AND%20status%20IN%20%28Open%2C%20Done%29"
    assert render(r"{default({x}, a\, b)}", ctx) == "a, b"


def test_a_missing_variable_raises_or_renders_empty() -> None:
    template = Template.parse("x{fields.nope}y{items.9.id}")
    with pytest.raises(MissingVariable) as caught:
        template.render(RECORD)
    assert caught.value.path == "fields.nope"
    assert template.render(RECORD, strict=False) == "xy"
    assert Template.parse("{nope}").evaluate(RECORD, strict=False) is None


def test_variables_paths_and_functions_are_reported() -> None:
    template = Template.parse("Basic {base64({email}:{creds.token})} {config.domain}")
    assert template.variables == {"email", "creds", "config"}
    assert template.paths == {("email",), ("creds", "token"), ("config", "domain")}
    assert template.functions == {"base64"}
    assert Template.parse("plain {{text}}").is_literal


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("{a", "unclosed '{'", 0),
        ("a}b", "a single '}' must be written '}}'", 1),
        ("{}", "expected a variable or function name, found '}'", 1),
        ("{a b}", "unexpected 'b' in '{...}'", 3),
        ("{a.}", "expected a variable or function name, found '}'", 3),
        ("{eval(1)}", "unknown function 'eval' (known: base64, coalesce, date, default, join, json,"
         " lower, trim, upper, urlencode)", 1),
        ("{lower(a, b)}", "lower() takes 1 argument, got 2", 1),
        ("{date()}", "date() takes 1 to 2 arguments, got 0", 1),
        ("{lower(a}", "unclosed '(' of lower()", 0),
    ],
)  # fmt: skip
def test_syntax_errors_name_their_offset(text: str, message: str, offset: int) -> None:
    with pytest.raises(TemplateError) as caught:
        Template.parse(text)
    assert (caught.value.message, caught.value.offset) == (message, offset)


def test_parsing_is_cached() -> None:
    assert Template.parse("{a}-{b}") is Template.parse("{a}-{b}")
