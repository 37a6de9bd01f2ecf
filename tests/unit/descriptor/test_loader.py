"""Reading descriptor text: syntax, duplicate keys, structural errors, with path, line, column."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from sluice_descriptor import load_path, load_text, validate_data
from tests.unit.descriptor.support import BASE, assert_at, only_problem, position, problems


def test_a_valid_descriptor_loads() -> None:
    validation = load_text(BASE)
    assert validation.ok
    assert validation.problems == []
    assert validation.descriptor is not None
    assert validation.descriptor.metadata.slug == "example-api"


def test_seed_defaults_apply() -> None:
    validation = load_text(BASE)
    assert validation.descriptor is not None
    descriptor = validation.descriptor
    assert descriptor.metadata.version == "0.1.0"
    operation = descriptor.operations[0]
    assert operation.method == "GET"
    assert operation.parameters[0].required is False
    field = descriptor.authentication[0].fields[0]
    assert field.required is True
    assert field.secret is False
    assert field.is_sensitive  # field_type secret


def test_json_text_goes_through_the_same_loader() -> None:
    data = YAML(typ="safe").load(BASE)
    validation = load_text(json.dumps(data, indent="\t"))
    assert validation.ok


def test_duplicate_keys_are_each_reported_where_they_repeat() -> None:
    text = BASE.replace("  publisher: Sluice tests\n", "  publisher: Sluice tests\n  name: Again\n")
    text = text.replace("    tags: [read]\n", "    tags: [read]\n    summary: Twice\n")
    found = problems(text)
    first_summary, _ = position(text, "summary: List items")
    assert [(p.path, p.message) for p in found] == [
        ("metadata.name", "duplicate key 'name' (first on line 2)"),
        ("operations[0].summary", f"duplicate key 'summary' (first on line {first_summary})"),
    ]
    assert_at(found[0], text, "name: Again")
    assert_at(found[1], text, "summary: Twice")


def test_duplicate_keys_in_json_are_refused_too() -> None:
    problem = only_problem('{"metadata": {}, "metadata": {}}')
    assert problem.message == "duplicate key 'metadata' (first on line 1)"
    assert (problem.line, problem.column) == (1, 18)


def test_a_syntax_error_is_one_problem_at_its_position() -> None:
    text = "metadata:\n  name: [unclosed\nauthentication: []\n"
    problem = only_problem(text)
    assert problem.path == ""
    assert problem.line == 3
    assert "while parsing a flow sequence" in problem.message


def test_an_empty_document_is_one_problem() -> None:
    problem = only_problem("# only a comment\n")
    assert (problem.message, problem.line, problem.column) == ("the descriptor is empty", 1, 1)


def test_a_document_that_is_not_a_mapping_is_one_problem() -> None:
    problem = only_problem("\n- metadata: {}\n")
    assert problem.message == "a descriptor is a mapping of sections, found a list"
    assert (problem.line, problem.column) == (2, 1)


def test_an_unknown_key_points_at_the_key() -> None:
    text = BASE.replace("    summary: List items\n", "    summary: List items\n    sumary: typo\n")
    problem = only_problem(text)
    assert (problem.path, problem.message) == ("operations[0].sumary", "unknown key 'sumary'")
    assert_at(problem, text, "sumary: typo")


def test_a_missing_key_points_at_its_mapping() -> None:
    text = BASE.replace("    summary: List items\n", "")
    problem = only_problem(text)
    assert (problem.path, problem.message) == (
        "operations[0].summary",
        "missing required key 'summary'",
    )
    assert_at(problem, text, "operation_id: list_items")


def test_every_structural_problem_is_reported_at_its_value() -> None:
    text = (
        BASE.replace("slug: example-api", "slug: Example_API")
        .replace("operation_id: list_items", "operation_id: List-Items")
        .replace("field_type: integer", "field_type: int")
    )
    found = problems(text)
    assert [p.path for p in found] == [
        "metadata.slug",
        "operations[0].operation_id",
        "operations[0].parameters[0].field_type",
    ]
    assert "should match pattern" in found[0].message
    assert_at(found[0], text, "Example_API")
    assert_at(found[1], text, "List-Items")
    assert_at(found[2], text, "int\n")


def test_field_lengths_and_enums_follow_the_seed() -> None:
    text = (
        BASE.replace("name: Example API", "name: Ex")
        .replace("description: An example API for the tests.", "description: Too short")
        .replace("  publisher: Sluice tests\n", "  publisher: Sluice tests\n  categories: [crm]\n")
    )
    found = problems(text)
    assert [p.path for p in found] == [
        "metadata.name",
        "metadata.description",
        "metadata.categories[0]",
    ]
    assert "at least 3 characters" in found[0].message
    assert "at least 10 characters" in found[1].message
    assert "'database', 'file_storage', 'saas', 'messaging', 'analytics' or 'custom'" in (
        found[2].message
    )


def test_version_must_be_semver_and_a_number_is_told_to_be_quoted() -> None:
    text = BASE.replace(
        "  publisher: Sluice tests\n", "  publisher: Sluice tests\n  version: 1.2\n"
    )
    problem = only_problem(text)
    assert problem.message == 'Input should be a valid string (quote it: "1.2")'
    text = BASE.replace(
        "  publisher: Sluice tests\n", '  publisher: Sluice tests\n  version: "1.2"\n'
    )
    problem = only_problem(text)
    assert problem.message == "'1.2' is not a semantic version (MAJOR.MINOR.PATCH)"
    assert_at(problem, text, '"1.2"')


def test_render_gives_file_line_column_path_message() -> None:
    text = BASE.replace("auth_type_ref: api_key", "auth_type_ref: oauth2")
    validation = load_text(text, filename="file.yaml")
    line, column = position(text, "oauth2")
    assert validation.render() == [
        f"file.yaml:{line}:{column}: operations[0].auth_type_ref: no authentication profile of"
        " type 'oauth2' (declared: api_key)"
    ]
    assert validation.problems[0].as_dict() == {
        "path": "operations[0].auth_type_ref",
        "line": line,
        "column": column,
        "message": "no authentication profile of type 'oauth2' (declared: api_key)",
    }


def test_plain_data_validates_without_positions() -> None:
    data = YAML(typ="safe").load(BASE.replace("auth_type_ref: api_key", "auth_type_ref: basic"))
    validation = validate_data(data)
    assert [(p.path, p.line, p.column) for p in validation.problems] == [
        ("operations[0].auth_type_ref", None, None)
    ]
    assert validate_data([1]).problems[0].message == "a descriptor is a mapping of sections"


def test_load_path_names_the_file_and_reports_an_unreadable_one(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(BASE.replace("slug: example-api", "slug: x"), encoding="utf-8")
    validation = load_path(path)
    assert validation.render()[0].startswith(f"{path}:3:9: metadata.slug: ")
    missing = load_path(tmp_path / "absent.yaml")
    assert not missing.ok
    assert missing.problems[0].message.startswith("cannot read the file")


def test_a_dump_reads_back_as_the_same_descriptor() -> None:
    validation = load_text(BASE)
    assert validation.descriptor is not None
    dumped = validation.descriptor.dump()
    again = validate_data(dumped)
    assert again.ok
    assert again.descriptor is not None
    assert again.descriptor.dump() == dumped
