"""Source config checked against a manifest's config_schema (draft 2020-12)."""

from sluice_manager.sources.validation import config_errors

SCHEMA = {
    "type": "object",
    "required": ["base_url"],
    "properties": {
        "base_url": {"type": "string"},
        "options": {"type": "object", "properties": {"depth": {"type": "integer"}}},
    },
}


def test_no_schema_accepts_anything() -> None:
    assert config_errors(None, {"whatever": 1}) is None


def test_valid_config() -> None:
    assert config_errors(SCHEMA, {"base_url": "https://x"}) is None


def test_message_names_the_failing_path() -> None:
    message = config_errors(SCHEMA, {"base_url": "x", "options": {"depth": "deep"}})
    assert message is not None
    assert message.startswith("options.depth:")


def test_missing_required_member_at_root() -> None:
    message = config_errors(SCHEMA, {})
    assert message is not None
    assert "base_url" in message


def test_invalid_schema_is_reported_not_raised() -> None:
    assert config_errors({"type": 12}, {}) is not None


def test_redacted_message_omits_the_value() -> None:
    schema = {"properties": {"api_key": {"type": "string", "minLength": 20}}}
    message = config_errors(schema, {"api_key": "s3cr3t"}, redact=True)
    assert message is not None
    assert "s3cr3t" not in message
    assert message.startswith("api_key:")
