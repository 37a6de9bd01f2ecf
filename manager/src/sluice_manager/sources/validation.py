"""Config and credentials checked against a manifest's JSON Schema (draft 2020-12)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match


def _path(error: ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(root)"


def config_errors(
    schema: dict[str, Any] | None, config: object, *, redact: bool = False
) -> str | None:
    """None when ``config`` satisfies ``schema`` (or there is no schema); else one message naming
    the failing path. ``redact`` names only the failing keyword, never the value (secrets)."""
    if schema is None:
        return None
    try:
        Draft202012Validator.check_schema(schema)
        error = best_match(Draft202012Validator(schema).iter_errors(config))
    except SchemaError as exc:
        # Registration refuses invalid schemas (§4.1); a stored one can only come from older data.
        return f"schema is not a valid JSON Schema: {exc.message}"
    if error is None:
        return None
    if redact:
        return f"{_path(error)}: fails the schema's {error.validator!r} rule"
    return f"{_path(error)}: {error.message}"


def contains_nul(value: object) -> bool:
    """True when any string in a JSON value (keys included) holds U+0000, which Postgres text and
    jsonb cannot store."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False
