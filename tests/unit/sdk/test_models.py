"""Wire models against JSON samples written from the protocol (§1.3, §3, §4, §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from sluice_sdk.models import (
    EVENT_ADAPTER,
    EVENT_BATCH_ADAPTER,
    EVENT_REQUEST_ADAPTER,
    MANIFEST_ADAPTER,
    TIMESTAMP_ADAPTER,
    ActionRequest,
    ConnectorManifest,
    CountRequest,
    DocumentCreatedEvent,
    DocumentDeletedEvent,
    DocumentMetadata,
    DocumentPermissions,
    DocumentUpdatedEvent,
    GroupMembershipSyncEvent,
    PersonSyncEvent,
    RunStatusResponse,
    SourceObject,
    SyncConfig,
    SyncRequest,
    dump_event,
    dump_events,
    format_timestamp,
)

RUN, SRC = "01HRUN000000000000000000000", "01HSRC000000000000000000000"
PERMS = {"public": False, "users": ["a@x.com"], "groups": ["eng@x.com"]}


def created(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "document_created",
        "sync_run_id": RUN,
        "source_id": SRC,
        "document_id": "doc-1",
        "content_id": "01HBLOB",
        "metadata": {"title": "Hello"},
        "permissions": PERMS,
    }
    event.update(overrides)
    return event


def batch(*events: dict[str, Any]) -> bytes:
    return orjson.dumps({"sync_run_id": RUN, "source_id": SRC, "events": list(events)})


# --- timestamps (§1.3) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04T05:06:07Z", "2025-03-04T05:06:07.000000Z"),
        ("2025-03-04T05:06:07.123456Z", "2025-03-04T05:06:07.123456Z"),
        ("2025-03-04T05:06:07.123456789Z", "2025-03-04T05:06:07.123456Z"),
        ("2025-03-04T05:06:07.5+02:00", "2025-03-04T03:06:07.500000Z"),
        ("2025-03-04T05:06:07-05:30", "2025-03-04T10:36:07.000000Z"),
        ("+002025-03-04T05:06:07.123456789Z", "2025-03-04T05:06:07.123456Z"),
        ("+000001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_timestamp_accepted_forms_are_written_as_utc_with_six_digits(
    text: str, expected: str
) -> None:
    parsed = TIMESTAMP_ADAPTER.validate_json(orjson.dumps(text))
    assert parsed.utcoffset() is not None
    assert TIMESTAMP_ADAPTER.dump_json(parsed) == orjson.dumps(expected)
    assert format_timestamp(parsed) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-04T05:06:07",  # naive
        "2025-03-04",
        "+012025-03-04T05:06:07Z",  # year 12025
        "-002025-03-04T05:06:07Z",  # negative year
        "+000000-03-04T05:06:07Z",  # year 0
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "9999-12-31T23:00:00-05:00",  # year 10000 in UTC
        "not a date",
        "",
    ],
)
def test_timestamp_invalid_forms_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError):
        TIMESTAMP_ADAPTER.validate_json(orjson.dumps(text))


@pytest.mark.parametrize("value", [1700000000, 1700000000.5, True, None, [], {}])
def test_timestamp_non_strings_are_rejected(value: object) -> None:
    with pytest.raises(ValidationError):
        TIMESTAMP_ADAPTER.validate_json(orjson.dumps(value))


def test_timestamp_python_input_accepts_aware_datetimes_and_strings() -> None:
    aware = datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=1)))
    assert TIMESTAMP_ADAPTER.validate_python(aware) == aware
    from_text = TIMESTAMP_ADAPTER.validate_python("2025-01-01T12:00:00+01:00")
    assert from_text == aware
    assert DocumentMetadata.model_validate(
        {"created_at": "+002025-01-01T11:00:00Z"}
    ).created_at == (aware)
    with pytest.raises(ValidationError):
        TIMESTAMP_ADAPTER.validate_python(1700000000)


def test_timestamp_python_input_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValidationError):
        DocumentMetadata(created_at=datetime(2025, 1, 1))


def test_format_timestamp_converts_offsets_and_refuses_naive() -> None:
    dt = datetime(2025, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-2)))
    assert format_timestamp(dt) == "2025-01-01T14:00:00.000000Z"
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2025, 1, 1))


# --- manifest (§3.2, §11.1) ----------------------------------------------------------------


def test_omni_manifest_with_extra_members_and_no_schemas_is_valid() -> None:
    raw = orjson.dumps(
        {
            "name": "github",
            "display_name": "GitHub",
            "version": "1.0.0",
            "sync_modes": ["full", "incremental"],
            "connector_id": "github",
            "connector_url": "http://github-connector:8000",
            "source_types": ["github"],
            "description": None,
            "actions": [{"name": "create_issue", "input_schema": {}, "extra": 1}],
            "search_operators": [{"operator": "repo", "attribute_key": "repo", "x": True}],
            "mcp_enabled": True,
            "prompts": [],
            "resources": [{"uri": "x"}],
            "sdk_version": "0.3",
        }
    )
    manifest = MANIFEST_ADAPTER.validate_json(raw)
    assert manifest.config_schema is None
    assert manifest.credentials_schema is None
    assert manifest.actions[0].mode == "write"
    assert manifest.actions[0].description == ""
    assert manifest.actions[0].source_types == []
    assert manifest.search_operators[0].value_type == "text"
    assert "prompts" not in manifest.model_dump()


def test_manifest_defaults() -> None:
    manifest = ConnectorManifest.model_validate(
        {
            "name": "hello",
            "version": "1",
            "sync_modes": [],
            "connector_id": "hello",
            "connector_url": "http://127.0.0.1:1",
        }
    )
    assert manifest.display_name == "hello"
    assert manifest.source_types == []
    assert manifest.read_only is False
    assert manifest.mcp_enabled is False
    assert manifest.extra_schema is None
    assert manifest.full_sync_enumerates_all is False  # Omni manifests never prune (§10.7)


def test_manifest_unknown_sync_mode_is_a_shape_error() -> None:
    with pytest.raises(ValidationError):
        ConnectorManifest.model_validate(
            {
                "name": "x",
                "version": "1",
                "sync_modes": ["weekly"],
                "connector_id": "x",
                "connector_url": "http://h",
            }
        )


def test_manifest_missing_required_member_is_a_shape_error() -> None:
    with pytest.raises(ValidationError):
        ConnectorManifest.model_validate({"name": "x", "version": "1", "sync_modes": []})


def test_action_mode_must_be_read_or_write() -> None:
    with pytest.raises(ValidationError):
        ConnectorManifest.model_validate(
            {
                "name": "x",
                "version": "1",
                "sync_modes": [],
                "connector_id": "x",
                "connector_url": "http://h",
                "actions": [{"name": "a", "input_schema": {}, "mode": "delete"}],
            }
        )


# --- SyncRequest (§3.3, §7.2, §11.12) ------------------------------------------------------


def test_sync_request_wire_omits_null_and_false_members() -> None:
    request = SyncRequest(sync_run_id=RUN, source_id=SRC, sync_mode="full")
    assert request.to_wire() == {"sync_run_id": RUN, "source_id": SRC, "sync_mode": "full"}


def test_sync_request_wire_resume_with_checkpoint_and_last_sync_at() -> None:
    request = SyncRequest(
        sync_run_id=RUN,
        source_id=SRC,
        sync_mode="incremental",
        checkpoint={"cursor": "abc"},
        is_resume=True,
        last_sync_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
    )
    assert request.to_wire() == {
        "sync_run_id": RUN,
        "source_id": SRC,
        "sync_mode": "incremental",
        "checkpoint": {"cursor": "abc"},
        "is_resume": True,
        "last_sync_at": "2025-03-04T05:06:07.000000Z",
    }


def test_sync_request_falsy_checkpoint_is_still_sent() -> None:
    request = SyncRequest(sync_run_id=RUN, source_id=SRC, sync_mode="full", checkpoint=0)
    assert request.to_wire()["checkpoint"] == 0


def test_sync_request_absent_members_read_as_defaults() -> None:
    request = SyncRequest.model_validate_json(
        orjson.dumps({"sync_run_id": RUN, "source_id": SRC, "sync_mode": "realtime", "x": 1})
    )
    assert request.checkpoint is None
    assert request.is_resume is False
    assert request.last_sync_at is None


def test_run_status_requires_a_json_bool() -> None:
    assert RunStatusResponse.model_validate_json(b'{"running": false}').running is False
    with pytest.raises(ValidationError):
        RunStatusResponse.model_validate_json(b'{"running": "yes"}')
    with pytest.raises(ValidationError):
        RunStatusResponse.model_validate_json(b"{}")


# --- events (§5, §11.19-§11.24) ------------------------------------------------------------


def test_batch_round_trip_keeps_order_and_types() -> None:
    raw = batch(
        created(),
        {"type": "document_deleted", "sync_run_id": RUN, "source_id": SRC, "document_id": "d2"},
        {
            "type": "group_membership_sync",
            "sync_run_id": RUN,
            "source_id": SRC,
            "group_email": "Eng@X.com",
            "member_emails": ["a@x.com"],
        },
        {
            "type": "person_sync",
            "sync_run_id": RUN,
            "source_id": SRC,
            "person": {"email": "a@x.com", "name": "A"},
        },
        {"type": "person_deleted", "sync_run_id": RUN, "source_id": SRC, "email": "b@x.com"},
    )
    request = EVENT_BATCH_ADAPTER.validate_json(raw)
    kinds = [type(e) for e in request.events]
    assert kinds[:4] == [
        DocumentCreatedEvent,
        DocumentDeletedEvent,
        GroupMembershipSyncEvent,
        PersonSyncEvent,
    ]
    again = EVENT_BATCH_ADAPTER.validate_json(request.model_dump_json())
    assert again == request
    person = request.events[3]
    assert isinstance(person, PersonSyncEvent)
    assert orjson.loads(dump_event(person))["person"] == {"email": "a@x.com", "name": "A"}


def test_empty_batch_is_valid() -> None:
    assert EVENT_BATCH_ADAPTER.validate_json(batch()).events == []


def test_unknown_event_type_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        EVENT_BATCH_ADAPTER.validate_json(batch(created(type="document_moved")))


def test_single_event_request() -> None:
    raw = orjson.dumps({"sync_run_id": RUN, "source_id": SRC, "event": created()})
    assert isinstance(EVENT_REQUEST_ADAPTER.validate_json(raw).event, DocumentCreatedEvent)


def test_deleted_event_has_no_content_metadata_or_permissions() -> None:
    event = EVENT_ADAPTER.validate_json(
        orjson.dumps(
            {"type": "document_deleted", "sync_run_id": RUN, "source_id": SRC, "document_id": "d"}
        )
    )
    assert orjson.loads(dump_event(event)) == {
        "type": "document_deleted",
        "sync_run_id": RUN,
        "source_id": SRC,
        "document_id": "d",
    }


def test_metadata_size_int_becomes_decimal_string() -> None:
    event = EVENT_ADAPTER.validate_json(orjson.dumps(created(metadata={"size": 1024})))
    assert isinstance(event, DocumentCreatedEvent)
    assert event.metadata.size == "1024"
    assert orjson.loads(dump_event(event))["metadata"] == {"size": "1024"}


@pytest.mark.parametrize("size", [-1, 1.5, True, "12a", "", "-3"])
def test_metadata_size_invalid_values(size: object) -> None:
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_json(orjson.dumps(created(metadata={"size": size})))


def test_metadata_absent_and_null_members_are_not_written() -> None:
    event = EVENT_ADAPTER.validate_json(
        orjson.dumps(created(metadata={"title": "T", "author": None, "url": None}))
    )
    assert orjson.loads(dump_event(event))["metadata"] == {"title": "T"}
    assert DocumentMetadata(title="T").model_dump() == {"title": "T"}


def test_metadata_six_digit_year_is_accepted() -> None:
    event = EVENT_ADAPTER.validate_json(
        orjson.dumps(created(metadata={"created_at": "+002025-03-04T05:06:07.123456789Z"}))
    )
    written = orjson.loads(dump_event(event))
    assert written["metadata"]["created_at"] == "2025-03-04T05:06:07.123456Z"


def test_naive_created_at_fails_the_whole_batch() -> None:
    with pytest.raises(ValidationError):
        EVENT_BATCH_ADAPTER.validate_json(
            batch(created(), created(metadata={"created_at": "2025-03-04T05:06:07"}))
        )


@pytest.mark.parametrize("missing", ["public", "users", "groups"])
def test_permissions_missing_a_member_is_an_error(missing: str) -> None:
    perms = {k: v for k, v in PERMS.items() if k != missing}
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_json(orjson.dumps(created(permissions=perms)))
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_json(
            orjson.dumps(created(type="document_updated", permissions=perms))
        )


def test_created_requires_permissions_updated_does_not() -> None:
    event = created()
    del event["permissions"]
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_json(orjson.dumps(event))
    event["type"] = "document_updated"
    updated = EVENT_ADAPTER.validate_json(orjson.dumps(event))
    assert isinstance(updated, DocumentUpdatedEvent)
    assert updated.permissions is None
    nulled = EVENT_ADAPTER.validate_json(orjson.dumps({**event, "permissions": None}))
    assert "permissions" not in orjson.loads(dump_event(nulled))


def test_permissions_always_written_in_full() -> None:
    event = DocumentUpdatedEvent(
        sync_run_id=RUN,
        source_id=SRC,
        document_id="d",
        content_id="c",
        metadata=DocumentMetadata(),
        permissions=DocumentPermissions(public=False, users=[], groups=[]),
    )
    assert orjson.loads(dump_event(event))["permissions"] == {
        "public": False,
        "users": [],
        "groups": [],
    }


def test_empty_attributes_are_absent_on_output() -> None:
    event = EVENT_ADAPTER.validate_json(orjson.dumps(created(attributes={})))
    assert "attributes" not in orjson.loads(dump_event(event))
    kept = EVENT_ADAPTER.validate_json(orjson.dumps(created(attributes={"k": [1, {"n": 2}]})))
    assert orjson.loads(dump_event(kept))["attributes"] == {"k": [1, {"n": 2}]}


@pytest.mark.parametrize("document_id", ["", "x" * 1025])
def test_document_id_length_bounds(document_id: str) -> None:
    with pytest.raises(ValidationError):
        EVENT_ADAPTER.validate_json(orjson.dumps(created(document_id=document_id)))


def test_document_id_at_the_limit_is_accepted() -> None:
    EVENT_ADAPTER.validate_json(orjson.dumps(created(document_id="x" * 1024)))


def test_unknown_members_are_ignored_on_events() -> None:
    event = EVENT_ADAPTER.validate_json(orjson.dumps(created(future_member=1)))
    assert "future_member" not in orjson.loads(dump_event(event))


def test_dump_events_is_a_json_array() -> None:
    events = EVENT_BATCH_ADAPTER.validate_json(batch(created(), created(document_id="2"))).events
    assert [e["document_id"] for e in orjson.loads(dump_events(events))] == ["doc-1", "2"]


# --- other bodies (§4.0, §4.6, §4.7, §3.6) ------------------------------------------------


def test_count_request_bounds_and_default() -> None:
    assert CountRequest.model_validate_json(b"{}").count == 1
    assert CountRequest.model_validate_json(b'{"count": 1000000}').count == 1_000_000
    for bad in (b'{"count": -1}', b'{"count": 1000001}'):
        with pytest.raises(ValidationError):
            CountRequest.model_validate_json(bad)


SOURCE_JSON: dict[str, Any] = {
    "id": SRC,
    "name": "Docs",
    "source_type": "local_files",
    "integration_type": "connector",
    "scope": "org",
    "config": {"root": "/data"},
    "is_active": True,
    "is_deleted": False,
    "user_filter_mode": "all",
    "user_whitelist": None,
    "user_blacklist": None,
    "connector_state": None,
    "checkpoint": {"cursor": "abc"},
    "sync_interval_seconds": 3600,
    "sync_cron": None,
    "created_at": "2025-03-04T05:06:07.123456Z",
    "updated_at": "2025-03-04T05:06:07.123456Z",
    "created_by": "admin",
}

CREDENTIAL_JSON: dict[str, Any] = {
    "id": "01HCRED",
    "source_id": SRC,
    "user_id": None,
    "provider": "github",
    "auth_type": "bearer_token",
    "principal_email": None,
    "credentials": {"token": "t"},
    "config": {},
    "expires_at": None,
    "last_validated_at": None,
    "created_at": "2025-03-04T05:06:07.123456Z",
    "updated_at": "2025-03-04T05:06:07.123456Z",
}


def test_source_object_round_trip_writes_four_digit_years_with_z() -> None:
    source = SourceObject.model_validate_json(orjson.dumps(SOURCE_JSON))
    assert orjson.loads(source.model_dump_json()) == SOURCE_JSON


def test_action_request_takes_whole_credential_and_source() -> None:
    request = ActionRequest.model_validate_json(
        orjson.dumps(
            {
                "action": "create_issue",
                "params": {"title": "x"},
                "credentials": CREDENTIAL_JSON,
                "source": SOURCE_JSON,
                "actor_email": None,
            }
        )
    )
    assert request.credentials.credentials == {"token": "t"}
    assert request.source.config == {"root": "/data"}


def test_sync_config_defaults() -> None:
    config = SyncConfig.model_validate_json(b'{"source_type": "github"}')
    assert config.credentials == {}
    assert config.user_filter_mode == "all"
