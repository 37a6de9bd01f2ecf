"""The wire protocol's JSON bodies: the single definition shared by SDK, manager and indexer.

Validate raw request bytes with the module-level adapters (``EVENT_BATCH_ADAPTER.validate_json``),
which parse in pydantic-core without building intermediate Python objects.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from sluice_sdk.models._base import SparseWireModel, WireModel
from sluice_sdk.models._notes import ValidationNotes
from sluice_sdk.models._time import TIMESTAMP_ADAPTER, Timestamp, format_timestamp, parse_timestamp
from sluice_sdk.models.connector_api import (
    ActionRequest,
    ActionResponse,
    CancelRequest,
    HealthResponse,
    RunStatusResponse,
    StatusResponse,
    SyncRequest,
    SyncResponse,
)
from sluice_sdk.models.events import (
    DOCUMENT_EVENT_TYPES,
    PRIVATE,
    DocumentCreatedEvent,
    DocumentDeletedEvent,
    DocumentEvent,
    DocumentMetadata,
    DocumentPermissions,
    DocumentUpdatedEvent,
    Event,
    EventBatchRequest,
    EventRequest,
    GroupMembershipSyncEvent,
    Person,
    PersonDeletedEvent,
    PersonSyncEvent,
)
from sluice_sdk.models.manager_api import (
    ContentRequest,
    ContentResponse,
    CountRequest,
    ErrorResponse,
    ExtractTextResponse,
    FailRequest,
    SyncCancelRequest,
    SyncCancelResponse,
    SyncCreateRequest,
    SyncCreateResponse,
    WebhookNotifyRequest,
    WebhookNotifyResponse,
)
from sluice_sdk.models.manifest import (
    SOURCE_TYPE_PATTERN,
    ActionDefinition,
    ActionMode,
    ConnectorManifest,
    SearchOperator,
    SyncMode,
)
from sluice_sdk.models.sources import CredentialObject, SourceObject, SyncConfig, UserFilterMode

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_LIST_ADAPTER: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
EVENT_REQUEST_ADAPTER: TypeAdapter[EventRequest] = TypeAdapter(EventRequest)
EVENT_BATCH_ADAPTER: TypeAdapter[EventBatchRequest] = TypeAdapter(EventBatchRequest)
MANIFEST_ADAPTER: TypeAdapter[ConnectorManifest] = TypeAdapter(ConnectorManifest)
SYNC_REQUEST_ADAPTER: TypeAdapter[SyncRequest] = TypeAdapter(SyncRequest)
JSON_VALUE_ADAPTER: TypeAdapter[Any] = TypeAdapter(Any)


def dump_event(event: Event) -> bytes:
    """One event as compact JSON, null members left out (§5.2, §11.22): a queue payload."""
    # The event's own serializer: about twice as fast as going through the union's adapter.
    return type(event).__pydantic_serializer__.to_json(event, exclude_none=True)


def dump_events(events: list[Event]) -> bytes:
    """A JSON array of events, null members left out."""
    return EVENT_LIST_ADAPTER.dump_json(events, exclude_none=True)


__all__ = [
    "DOCUMENT_EVENT_TYPES",
    "EVENT_ADAPTER",
    "EVENT_BATCH_ADAPTER",
    "EVENT_LIST_ADAPTER",
    "EVENT_REQUEST_ADAPTER",
    "JSON_VALUE_ADAPTER",
    "MANIFEST_ADAPTER",
    "PRIVATE",
    "SOURCE_TYPE_PATTERN",
    "SYNC_REQUEST_ADAPTER",
    "TIMESTAMP_ADAPTER",
    "ActionDefinition",
    "ActionMode",
    "ActionRequest",
    "ActionResponse",
    "CancelRequest",
    "ConnectorManifest",
    "ContentRequest",
    "ContentResponse",
    "CountRequest",
    "CredentialObject",
    "DocumentCreatedEvent",
    "DocumentDeletedEvent",
    "DocumentEvent",
    "DocumentMetadata",
    "DocumentPermissions",
    "DocumentUpdatedEvent",
    "ErrorResponse",
    "Event",
    "EventBatchRequest",
    "EventRequest",
    "ExtractTextResponse",
    "FailRequest",
    "GroupMembershipSyncEvent",
    "HealthResponse",
    "Person",
    "PersonDeletedEvent",
    "PersonSyncEvent",
    "RunStatusResponse",
    "SearchOperator",
    "SourceObject",
    "SparseWireModel",
    "StatusResponse",
    "SyncCancelRequest",
    "SyncCancelResponse",
    "SyncConfig",
    "SyncCreateRequest",
    "SyncCreateResponse",
    "SyncMode",
    "SyncRequest",
    "SyncResponse",
    "Timestamp",
    "UserFilterMode",
    "ValidationNotes",
    "WebhookNotifyRequest",
    "WebhookNotifyResponse",
    "WireModel",
    "format_timestamp",
    "parse_timestamp",
]
