"""Every example descriptor validates, against the models and the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from sluice_descriptor import load_path
from sluice_descriptor.loader import parse_text
from sluice_descriptor.schema import SCHEMA_PATH
from sluice_descriptor.validate import plain

EXAMPLES = Path(__file__).resolve().parents[3] / "descriptor" / "examples"
FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def test_the_examples_cover_yaml_and_json() -> None:
    names = {p.name for p in FILES}
    assert {
        "jira-cloud.yaml",
        "securonix.yaml",
        "github-issues.yaml",
        "postgres-tables.yaml",
    } <= names
    assert any(p.suffix == ".json" for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_validates(path: Path) -> None:
    validation = load_path(path)
    assert validation.ok, "\n".join(validation.render())


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example_satisfies_the_published_schema(path: Path) -> None:
    data, problems = parse_text(path.read_text(encoding="utf-8"))
    assert problems == []
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(plain(data))]
    assert errors == []


def test_the_jira_example_is_the_seed_example_in_full() -> None:
    descriptor = load_path(EXAMPLES / "jira-cloud.yaml").descriptor
    assert descriptor is not None
    assert descriptor.metadata.version == "1.2.0"
    assert [p.type for p in descriptor.authentication] == [
        "api_key",
        "oauth2_authorization_code",
        "basic",
    ]
    list_issues = descriptor.operation("list_issues")
    assert list_issues is not None
    assert list_issues.is_read
    assert list_issues.auth_headers == {"Authorization": "Basic {base64({email}:{api_token})}"}
    assert [(p.name, p.field_type, p.default_value) for p in list_issues.parameters] == [
        ("jql", "string", None),
        ("maxResults", "integer", 50),
        ("startAt", "integer", 0),
    ]
    create_issue = descriptor.operation("create_issue")
    assert create_issue is not None
    assert not create_issue.is_read
    assert [r.scope for r in descriptor.rate_limits] == ["per_account", "per_user"]
    assert descriptor.sla is not None
    assert descriptor.sla.availability_percentage == 99.9
    assert descriptor.capabilities is not None
    assert descriptor.capabilities.max_parallel_tasks == 5
    assert descriptor.mcp_config is not None
    assert descriptor.mcp_config.route_mappings[0].parameter_mappings == {"jql": "jql_query"}
    assert descriptor.sync is not None
    stream = descriptor.sync.stream("issues")
    assert stream is not None
    assert (stream.pagination.style, stream.pagination.offset_parameter) == ("offset", "startAt")
