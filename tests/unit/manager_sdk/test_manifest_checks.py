"""Registration checks on a manifest (protocol §3.2, §4.1 steps 2-5). Pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from sluice_manager.registry.manifest_checks import (
    input_schema_problem,
    is_http_url,
    manifest_problem,
)
from sluice_sdk.models import ConnectorManifest


def _manifest(**overrides: Any) -> ConnectorManifest:
    body: dict[str, Any] = {
        "name": "conn",
        "version": "1",
        "sync_modes": ["full"],
        "connector_id": "conn",
        "connector_url": "http://conn:8000",
        "source_types": ["conn_type"],
    }
    body.update(overrides)
    return ConnectorManifest.model_validate(body)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://host", True),
        ("https://host:8443/base/", True),
        ("http://127.0.0.1:9000", True),
        ("ftp://host", False),
        ("host:8000", False),
        ("/relative", False),
        ("http://", False),
        ("", False),
        ("http://host:99999999", False),
    ],
)
def test_connector_url(url: str, ok: bool) -> None:
    assert is_http_url(url) is ok


def test_checks_run_in_protocol_order() -> None:
    # An empty id (step 2) is reported before a bad source type (step 3) and a bad action (4).
    both = _manifest(
        connector_id="",
        source_types=["Bad"],
        actions=[{"name": "a", "input_schema": {"anyOf": []}}],
    )
    assert manifest_problem(both) == "connector_id must be 1 to 200 characters"
    later = _manifest(source_types=["Bad"], actions=[{"name": "a", "input_schema": {"anyOf": []}}])
    assert manifest_problem(later) == "source type 'Bad' is not a slug (^[a-z][a-z0-9_]{0,49}$)"
    last = _manifest(
        actions=[{"name": "a", "input_schema": {"$ref": "#"}}], config_schema={"type": 1}
    )
    assert manifest_problem(last) == "conn.a input_schema.$ref is not supported"
    schema_only = _manifest(config_schema={"type": 1})
    problem = manifest_problem(schema_only)
    assert problem is not None
    assert problem.startswith("config_schema is not a valid JSON Schema (draft 2020-12)")


def test_valid_manifest_has_no_problem() -> None:
    manifest = _manifest(
        connector_id="x" * 200,
        source_types=["a", "a" * 50, "a_1"],
        actions=[{"name": "a", "input_schema": {}}],
        config_schema={"type": "object", "$defs": {"x": {"type": "string"}}},
        credentials_schema={"type": "object"},
    )
    assert manifest_problem(manifest) is None


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({}, None),
        ({"type": "object", "properties": {"a": {"type": "array", "items": {"enum": [1]}}}}, None),
        ([], "input_schema must be a JSON object"),
        ({"type": ["object"]}, 'input_schema.type must be "object"'),
        ({"properties": {"a": {"else": {}}}}, "input_schema.properties.a.else is not supported"),
        (
            {"items": [{}, [{"dependentSchemas": {}}]]},
            "input_schema.items.1.0.dependentSchemas is not supported",
        ),
    ],
)
def test_input_schema_rules(schema: Any, problem: str | None) -> None:
    assert input_schema_problem(schema) == problem
