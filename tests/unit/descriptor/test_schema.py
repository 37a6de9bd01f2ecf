"""The published JSON Schema is generated from the models and committed up to date."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from sluice_descriptor.schema import SCHEMA_PATH, main, schema_text


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "descriptor.schema.json is stale: run `python -m sluice_descriptor.schema`"
    )


def test_the_schema_is_draft_2020_12_and_forbids_unknown_keys() -> None:
    schema = json.loads(schema_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    minimal = {
        "metadata": {
            "name": "Tiny",
            "slug": "tiny",
            "description": "A tiny descriptor.",
            "publisher": "me",
        },
        "authentication": [{"type": "none"}],
        "operations": [],
    }
    assert list(validator.iter_errors(minimal)) == []
    assert list(validator.iter_errors({**minimal, "extra": 1}))


def test_the_schema_asks_each_pagination_style_for_its_members() -> None:
    schema = json.loads(schema_text())
    validator = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/Pagination"})
    assert list(validator.iter_errors({"style": "cursor", "cursor": "$.next"}))
    assert not list(
        validator.iter_errors({"style": "cursor", "cursor": "$.n", "cursor_parameter": "c"})
    )


def test_main_writes_the_schema_where_told(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
