"""The sync section: streams read with read operations; each pagination style has its members."""

from __future__ import annotations

from sluice_descriptor import load_text
from tests.unit.descriptor.support import BASE, assert_at, only_problem, problems

WRITE = """\
  - operation_id: add_item
    endpoint: "{base_url}/items"
    method: POST
    summary: Add an item
    auth_type_ref: api_key
    parameters:
      - name: title
        location: body
"""

STREAM = """\
sync:
  streams:
    - name: items
      operation_id: list_items
      records: "$.items[*]"
      pagination:
        style: cursor
        cursor: "$.next"
        cursor_parameter: cursor
      document:
        external_id: "{id}"
        title: "{name}"
        url: "{config.base_url}/items/{id}"
      incremental:
        cursor_field: updated
        parameter: since
"""


def test_a_complete_stream_is_valid() -> None:
    validation = load_text(BASE + WRITE + STREAM)
    assert validation.ok, validation.render()
    assert validation.descriptor is not None
    assert validation.descriptor.sync is not None
    stream = validation.descriptor.sync.stream("items")
    assert stream is not None
    assert stream.pagination.style == "cursor"
    assert stream.pagination.stop_on_short_page is True
    assert stream.incremental is not None
    assert stream.incremental.lookback_seconds == 0


def test_a_stream_names_an_existing_read_operation() -> None:
    text = BASE + WRITE + STREAM.replace("operation_id: list_items", "operation_id: add_item")
    found = problems(text)
    assert found[0].path == "sync.streams[0].operation_id"
    assert found[0].message == (
        "operation 'add_item' is not a read operation (method POST, tags: none);"
        " a stream only reads"
    )
    assert_at(found[0], text, "add_item", 2)
    text = BASE + STREAM.replace("operation_id: list_items", "operation_id: list_things")
    problem = only_problem(text)
    assert (problem.path, problem.message) == (
        "sync.streams[0].operation_id",
        "no operation 'list_things'",
    )


def test_stream_names_are_unique() -> None:
    stream = STREAM[STREAM.index("    - name: items") :]
    problem = only_problem(BASE + STREAM + stream)
    assert (problem.path, problem.message) == (
        "sync.streams[1].name",
        "duplicate stream name 'items' (see streams[0])",
    )


def test_each_pagination_style_needs_its_members() -> None:
    text = BASE + STREAM.replace("        cursor_parameter: cursor\n", "")
    problem = only_problem(text)
    assert (problem.path, problem.message) == (
        "sync.streams[0].pagination",
        "pagination style 'cursor' needs 'cursor_parameter'",
    )
    assert_at(problem, text, "style: cursor")
    for style, member in [
        ("next_url", "next_url"),
        ("next_header", "header"),
        ("offset", "offset_parameter"),
        ("page_number", "page_parameter"),
    ]:
        text = BASE + STREAM.replace(
            '        style: cursor\n        cursor: "$.next"\n        cursor_parameter: cursor\n',
            f"        style: {style}\n",
        )
        problem = only_problem(text)
        assert problem.message == f"pagination style {style!r} needs {member!r}"


def test_members_of_another_style_are_refused() -> None:
    text = BASE + STREAM.replace(
        "        style: cursor\n", "        style: cursor\n        start_page: 0\n"
    )
    problem = only_problem(text)
    assert (problem.path, problem.message) == (
        "sync.streams[0].pagination.start_page",
        "'start_page' does not apply to pagination style 'cursor'",
    )
    assert_at(problem, text, "start_page")


def test_pagination_parameters_are_parameters_of_the_operation() -> None:
    text = BASE + STREAM.replace("cursor_parameter: cursor", "cursor_parameter: after")
    problem = only_problem(text)
    assert problem.path == "sync.streams[0].pagination.cursor_parameter"
    assert problem.message == (
        "'after' is not a parameter of operation 'list_items' (parameters: page, cursor, since)"
    )
    assert_at(problem, text, "after")


def test_stream_parameters_exist_and_use_config_keys() -> None:
    text = BASE + STREAM.replace(
        "      records:", '      parameters: {pages: 2, page: "{base_url}{domain}"}\n      records:'
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (
            "sync.streams[0].parameters.pages",
            "'pages' is not a parameter of operation 'list_items'"
            " (parameters: page, cursor, since)",
        ),
        (
            "sync.streams[0].parameters.page",
            "unknown variable {domain} (known here: base_url, config)",
        ),
    ]
    assert_at(found[0], text, "pages")


def test_jsonpaths_of_a_stream_compile() -> None:
    text = BASE + STREAM.replace('records: "$.items[*]"', 'records: "$.items[*"').replace(
        'cursor: "$.next"', 'cursor: "next"'
    )
    found = problems(text)
    assert [p.path for p in found] == [
        "sync.streams[0].records",
        "sync.streams[0].pagination.cursor",
    ]
    assert all(p.message.startswith("invalid JSONPath") for p in found)


def test_document_templates_check_functions_and_config_keys() -> None:
    text = BASE + STREAM.replace('title: "{name}"', 'title: "{capitalize({name})}"').replace(
        "{config.base_url}", "{config.host}"
    )
    found = problems(text)
    assert [p.path for p in found] == [
        "sync.streams[0].document.title",
        "sync.streams[0].document.url",
    ]
    assert found[0].message.startswith("invalid template: unknown function 'capitalize'")
    assert found[1].message == "{config.host}: no source_config key 'host' (keys: base_url)"


def test_incremental_parameter_and_format_are_checked() -> None:
    text = (
        BASE
        + STREAM.replace("parameter: since", "parameter: updated_after")
        + ('        format: "{date({bookmark}, %Y-%m-%d)}{tz}"\n')
    )
    found = problems(text)
    assert [(p.path, p.message) for p in found] == [
        (
            "sync.streams[0].incremental.parameter",
            "'updated_after' is not a parameter of operation 'list_items'"
            " (parameters: page, cursor, since)",
        ),
        (
            "sync.streams[0].incremental.format",
            "unknown variable {tz} (known here: base_url, bookmark)",
        ),
    ]


def test_an_unknown_pagination_style_is_an_enum_error() -> None:
    text = BASE + STREAM.replace("style: cursor", "style: token")
    problem = only_problem(text)
    assert problem.path == "sync.streams[0].pagination.style"
    assert "'none', 'next_url', 'link_header', 'next_header', 'cursor', 'offset'" in problem.message
