"""Record → document mapping, record selection and deletion flags (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sluice_connector_declarative.mapping import MappingError, map_record
from sluice_connector_declarative.records import RecordsError, is_deleted, lookup, select_records
from sluice_descriptor.sync import Deleted, DocumentMapping
from sluice_sdk.models import DocumentPermissions

ISSUE = {
    "id": "10001",
    "key": "PROJ-1",
    "fields": {
        "summary": "Queue stalls",
        "description": "The indexer stops claiming rows.",
        "created": "2026-03-01T09:00:00.000+0100",
        "updated": "2026-03-04T10:30:00Z",
        "status": {"name": "Open"},
        "labels": ["queue", "indexer"],
        "watchers": ["a@example.com", "b@example.com"],
    },
    "owner": {"email": "owner@example.com"},
}

JIRA = DocumentMapping.model_validate(
    {
        "external_id": "{key}",
        "title": "{fields.summary}",
        "text": "{fields.summary}\n\n{fields.description}",
        "url": "https://{config.domain}.atlassian.net/browse/{key}",
        "created_at": "{fields.created}",
        "updated_at": "{fields.updated}",
        "permissions": {
            "public": False,
            "users": ["{owner.email}", "{fields.watchers}"],
            "groups": ["{config.team}"],
        },
        "attributes": {
            "status": "{fields.status.name}",
            "labels": "{fields.labels}",
            "gone": "{x}",
        },
    }
)


def test_a_jira_issue_maps_to_its_document() -> None:
    doc = map_record(
        JIRA, ISSUE, config={"domain": "acme", "team": "eng@acme.com"}, stream="issues"
    )
    assert doc.document_id == "PROJ-1"
    assert doc.text == "Queue stalls\n\nThe indexer stops claiming rows."
    assert doc.metadata.title == "Queue stalls"
    assert doc.metadata.url == "https://acme.atlassian.net/browse/PROJ-1"
    assert doc.metadata.content_type == "text/plain"
    assert doc.metadata.updated_at == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    assert doc.metadata.created_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert doc.permissions == DocumentPermissions(
        public=False,
        users=["owner@example.com", "a@example.com", "b@example.com"],
        groups=["eng@acme.com"],
    )
    # Attribute values keep their JSON type; a missing one is left out.
    assert doc.attributes == {"status": "Open", "labels": ["queue", "indexer"]}


def test_without_text_template_the_record_is_the_text_and_permissions_default_private() -> None:
    spec = DocumentMapping(external_id="{id}")
    doc = map_record(spec, {"id": 7, "name": "seven"}, config={}, stream="items")
    assert doc.document_id == "7"
    assert doc.text == '{"id":7,"name":"seven"}'
    assert doc.permissions is None  # the SDK sends the private default
    assert doc.attributes is None


def test_epoch_timestamps_and_unparseable_ones() -> None:
    spec = DocumentMapping(external_id="{id}", created_at="{created}", updated_at="{updated}")
    doc = map_record(
        spec, {"id": 1, "created": 1772618400, "updated": "soon"}, config={}, stream="s"
    )
    assert doc.metadata.created_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert doc.metadata.updated_at is None


@pytest.mark.parametrize("record", [{"name": "no id"}, {"id": ""}])
def test_a_record_without_an_id_cannot_be_mapped(record: dict[str, str]) -> None:
    with pytest.raises(MappingError):
        map_record(DocumentMapping(external_id="{id}"), record, config={}, stream="s")


def test_stream_and_config_are_template_variables() -> None:
    spec = DocumentMapping(external_id="{id}", title="{stream}: {config.site} {name}")
    doc = map_record(spec, {"id": 1, "name": "n"}, config={"site": "docs"}, stream="pages")
    assert doc.metadata.title == "pages: docs n"


def test_records_are_selected_by_jsonpath_or_are_the_array_body() -> None:
    assert list(select_records("$.issues[*]", {"issues": [{"id": 1}, {"id": 2}]})) == [
        {"id": 1},
        {"id": 2},
    ]
    assert list(select_records("$.issues[*]", {"total": 0})) == []
    assert list(select_records(None, [1, 2])) == [1, 2]
    with pytest.raises(RecordsError):
        list(select_records(None, {"issues": []}))


def test_lookup_follows_dotted_paths_into_lists() -> None:
    assert lookup(ISSUE, "fields.status.name") == "Open"
    assert lookup(ISSUE, "fields.labels.1") == "indexer"
    assert lookup(ISSUE, "fields.nothing.here") is None


def test_deleted_flags() -> None:
    assert is_deleted(Deleted(field="deleted"), {"deleted": True})
    assert not is_deleted(Deleted(field="deleted"), {"deleted": False})
    assert not is_deleted(Deleted(field="deleted"), {})
    assert is_deleted(Deleted(field="state.name", value="removed"), {"state": {"name": "removed"}})
    assert not is_deleted(Deleted(field="state.name", value="removed"), {"state": {"name": "open"}})
    assert not is_deleted(None, {"deleted": True})
