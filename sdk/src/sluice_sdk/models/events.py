"""The event model (protocol §5): what connectors emit and what the queue carries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, Strict, StringConstraints, ValidationInfo

from sluice_sdk.models._base import SparseWireModel, WireModel
from sluice_sdk.models._notes import note_rewritten
from sluice_sdk.models._time import Timestamp

DocumentId = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


# The validators below change a value, so each notes that its text was rewritten (_notes).


def _empty_to_none(_value: dict[str, Any], info: ValidationInfo) -> None:
    note_rewritten(info)


def _size_text(value: int, info: ValidationInfo) -> str:
    note_rewritten(info)
    return str(value)


def _lax_bool(value: bool, info: ValidationInfo) -> bool:
    note_rewritten(info)
    return value


# Validators below are unions tried left to right, so the common input is checked entirely in
# pydantic-core and Python runs only for the rare spelling (batch validation is a hot path).

DocumentSize = Annotated[
    Annotated[str, Field(pattern=r"^[0-9]+$")]
    | Annotated[int, Field(ge=0, strict=True), AfterValidator(_size_text)],
    Field(union_mode="left_to_right"),
]
"""§5.2: a string of decimal digits; a non-negative integer is accepted and kept as its string."""

Attributes = Annotated[
    Annotated[dict[str, Any], Field(min_length=1)]
    | Annotated[dict[str, Any], AfterValidator(_empty_to_none)]
    | None,
    Field(union_mode="left_to_right"),
]
"""§5.3 attributes; empty is stored as absent, so it is never written (§11.22)."""


class DocumentMetadata(SparseWireModel):
    """Every member optional; null means absent, and absent members are not written (§5.2)."""

    title: str | None = None
    author: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    content_type: str | None = None
    mime_type: str | None = None
    size: DocumentSize | None = None
    url: str | None = None
    path: str | None = None
    extra: dict[str, Any] | None = None


Flag = Annotated[
    Annotated[bool, Strict()] | Annotated[bool, AfterValidator(_lax_bool)],
    Field(union_mode="left_to_right"),
]
"""A boolean; the lax spellings pydantic accepts (``"yes"``, ``1``) are noted as rewritten."""


class DocumentPermissions(WireModel):
    """All three members are required whenever the object is present (§5.3)."""

    public: Flag
    users: list[str]
    groups: list[str]


PRIVATE = DocumentPermissions(public=False, users=[], groups=[])


class _EventBase(SparseWireModel):
    sync_run_id: str
    source_id: str


class DocumentCreatedEvent(_EventBase):
    type: Literal["document_created"] = "document_created"
    document_id: DocumentId
    content_id: str
    metadata: DocumentMetadata
    permissions: DocumentPermissions
    attributes: Attributes = None


class DocumentUpdatedEvent(_EventBase):
    type: Literal["document_updated"] = "document_updated"
    document_id: DocumentId
    content_id: str
    metadata: DocumentMetadata
    permissions: DocumentPermissions | None = None
    attributes: Attributes = None


class DocumentDeletedEvent(_EventBase):
    type: Literal["document_deleted"] = "document_deleted"
    document_id: DocumentId


class GroupMembershipSyncEvent(_EventBase):
    type: Literal["group_membership_sync"] = "group_membership_sync"
    group_email: str
    group_name: str | None = None
    member_emails: list[str]


class Person(WireModel):
    """Only ``email`` is checked (§5.1); the rest of the record travels with the event."""

    model_config = ConfigDict(extra="allow")

    email: str


class PersonSyncEvent(_EventBase):
    type: Literal["person_sync"] = "person_sync"
    person: Person


class PersonDeletedEvent(_EventBase):
    type: Literal["person_deleted"] = "person_deleted"
    email: str


DocumentEvent = DocumentCreatedEvent | DocumentUpdatedEvent | DocumentDeletedEvent

Event = Annotated[
    DocumentCreatedEvent
    | DocumentUpdatedEvent
    | DocumentDeletedEvent
    | GroupMembershipSyncEvent
    | PersonSyncEvent
    | PersonDeletedEvent,
    Field(discriminator="type"),
]
"""Any event, tagged by ``type``; an unknown type is a validation error (§5.1)."""

DOCUMENT_EVENT_TYPES = frozenset({"document_created", "document_updated", "document_deleted"})


class EventRequest(SparseWireModel):
    """``POST /sdk/events`` (§4.2)."""

    sync_run_id: str
    source_id: str
    event: Event


class EventBatchRequest(SparseWireModel):
    """``POST /sdk/events/batch`` (§4.3)."""

    # Parsing a batch: ids, titles and texts rarely repeat, so caching strings costs more than it
    # saves; member names of the models are never made into strings at all.
    model_config = ConfigDict(cache_strings=False)

    sync_run_id: str
    source_id: str
    events: list[Event]
