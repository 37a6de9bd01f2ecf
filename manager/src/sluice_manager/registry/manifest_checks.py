"""Registration checks on a validated manifest (protocol §3.2, §4.1 steps 2-5). Pure functions.

Each returns the first problem as a message (the 400 body), or None.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from yarl import URL

from sluice_sdk.models import SOURCE_TYPE_PATTERN, ConnectorManifest

MAX_CONNECTOR_ID_CHARS = 200
_SLUG = re.compile(SOURCE_TYPE_PATTERN)
_TOP_LEVEL_COMBINATORS = ("anyOf", "oneOf", "allOf")
_FORBIDDEN_KEYWORDS = frozenset(
    {"$ref", "$defs", "definitions", "if", "then", "else", "not", "dependentRequired",
     "dependentSchemas"}
)  # fmt: skip


def manifest_problem(manifest: ConnectorManifest) -> str | None:
    """The first failed check of §4.1 steps 2 to 5, in order."""
    return (
        _identity_problem(manifest)
        or _source_types_problem(manifest)
        or _actions_problem(manifest)
        or _schemas_problem(manifest)
    )


def _identity_problem(manifest: ConnectorManifest) -> str | None:
    if not 1 <= len(manifest.connector_id) <= MAX_CONNECTOR_ID_CHARS:
        return f"connector_id must be 1 to {MAX_CONNECTOR_ID_CHARS} characters"
    if not is_http_url(manifest.connector_url):
        return f"connector_url {manifest.connector_url!r} is not an absolute http(s) URL"
    return None


def is_http_url(text: str) -> bool:
    try:
        url = URL(text)
    except (ValueError, TypeError):
        return False
    return url.scheme in ("http", "https") and bool(url.host) and url.is_absolute()


def _source_types_problem(manifest: ConnectorManifest) -> str | None:
    for source_type in manifest.source_types:
        if not _SLUG.fullmatch(source_type):
            return f"source type {source_type!r} is not a slug ({SOURCE_TYPE_PATTERN})"
    return None


def _actions_problem(manifest: ConnectorManifest) -> str | None:
    for action in manifest.actions:
        problem = input_schema_problem(action.input_schema)
        if problem is not None:
            return f"{manifest.name}.{action.name} {problem}"
    return None


def input_schema_problem(schema: Any) -> str | None:
    """The first violation of the §3.2 ``input_schema`` restrictions, naming its path."""
    if not isinstance(schema, dict):
        return "input_schema must be a JSON object"
    for keyword in _TOP_LEVEL_COMBINATORS:
        if keyword in schema:
            return f"input_schema.{keyword} is not supported at the top level"
    if "type" in schema and schema["type"] != "object":
        return 'input_schema.type must be "object"'
    path = _forbidden_path(schema, "input_schema")
    if path is not None:
        return f"{path} is not supported"
    return None


def _forbidden_path(value: Any, path: str) -> str | None:
    """Depth-first search of every object and array member for a forbidden keyword."""
    if isinstance(value, dict):
        for key, member in value.items():
            if key in _FORBIDDEN_KEYWORDS:
                return f"{path}.{key}"
            found = _forbidden_path(member, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, member in enumerate(value):
            found = _forbidden_path(member, f"{path}.{index}")
            if found is not None:
                return found
    return None


def _schemas_problem(manifest: ConnectorManifest) -> str | None:
    for field in ("config_schema", "credentials_schema"):
        schema = getattr(manifest, field)
        if schema is None:
            continue
        error = _schema_error(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))
        if error is not None:
            return f"{field} is not a valid JSON Schema (draft 2020-12): {error}"
    return None


@lru_cache(maxsize=512)
def _schema_error(canonical: bytes) -> str | None:
    # Many connectors share one schema; checking a schema against the metaschema is costly.
    try:
        Draft202012Validator.check_schema(orjson.loads(canonical))
    except SchemaError as exc:
        return str(exc.message)
    return None
