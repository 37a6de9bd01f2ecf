"""Pure mapping: one record of a stream → the document Sluice stores (``sync.streams[].document``).

Templates see the record's fields as root names, plus ``record`` (the whole record), ``config``
(the source config) and ``stream`` (the stream name). ``external_id`` must render (a missing
variable or an empty id skips the record) and is the document's id in the source as it renders,
so streams whose ids could collide spell them apart (``post-{id}``, ``comment-{id}``). Every other
member renders leniently (a missing variable is empty, an empty result is absent).

A run compiles each stream's mapping once (``CompiledMapping``; its templates through members.py):
a path becomes a lookup, a member that reads nothing of the record a constant, and permissions
whose entries read nothing of the record one object every document shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sluice_connector_declarative.members import Member, compile_member
from sluice_descriptor.errors import TemplateError
from sluice_descriptor.functions import parse_datetime, text_of
from sluice_descriptor.sync import DocumentMapping, Permissions
from sluice_sdk.models import DocumentMetadata, DocumentPermissions

MAX_DOCUMENT_ID = 1024
DEFAULT_CONTENT_TYPE = "text/plain"


class MappingError(Exception):
    """The record cannot become a document (no usable external id)."""


@dataclass(frozen=True, slots=True)
class MappedDocument:
    document_id: str
    text: str
    metadata: DocumentMetadata
    permissions: DocumentPermissions | None
    """None: the SDK's default, private to the source."""
    attributes: dict[str, Any] | None


class CompiledMapping:
    """One stream's document mapping, compiled for one run (its config and stream name fixed)."""

    def __init__(self, spec: DocumentMapping, *, config: Mapping[str, Any], stream: str) -> None:
        self.stream = stream
        self._config = dict(config)
        self._external_id = self._compile(spec.external_id)
        self._title = self._optional(spec.title)
        self._text = self._optional(spec.text)
        self._author = self._optional(spec.author)
        self._url = self._optional(spec.url)
        self._content_type = self._optional(spec.content_type)
        self._created_at = self._optional(spec.created_at)
        self._updated_at = self._optional(spec.updated_at)
        self._permissions = self._compile_permissions(spec.permissions)
        self._attributes = {name: self._compile(text) for name, text in spec.attributes.items()}

    def document_id(self, record: Any) -> str:
        """The record's document id; raises ``MappingError`` when the template cannot give one."""
        try:
            identifier = self._external_id.text(record, strict=True)
        except TemplateError as exc:
            raise MappingError(f"external_id: {exc}") from exc
        if not identifier:
            raise MappingError("external_id is empty")
        if len(identifier) > MAX_DOCUMENT_ID:
            raise MappingError(f"external_id is longer than {MAX_DOCUMENT_ID} characters")
        return identifier

    def map(self, record: Any) -> MappedDocument:
        identifier = self.document_id(record)
        title = _text(self._title, record)
        text = _text(self._text, record) if self._text is not None else text_of(record)
        metadata = DocumentMetadata(
            title=title,
            author=_text(self._author, record),
            url=_text(self._url, record),
            content_type=_text(self._content_type, record) or DEFAULT_CONTENT_TYPE,
            mime_type="text/plain",
            created_at=_timestamp(self._created_at, record),
            updated_at=_timestamp(self._updated_at, record),
            size=str(len((text or "").encode())),
            path=f"{self.stream}/{title or identifier}",
        )
        return MappedDocument(
            document_id=identifier,
            text=text or "",
            metadata=metadata,
            permissions=None if self._permissions is None else self._permissions.of(record),
            attributes=_attributes(self._attributes, record) if self._attributes else None,
        )

    def _compile(self, template: str) -> Member:
        return compile_member(template, config=self._config, stream=self.stream)

    def _optional(self, template: str | None) -> Member | None:
        return None if template is None else self._compile(template)

    def _compile_permissions(self, spec: Permissions | None) -> _Permissions | None:
        if spec is None:
            return None
        users = [self._compile(entry) for entry in spec.users]
        groups = [self._compile(entry) for entry in spec.groups]
        return _Permissions(spec.public, users, groups)


def map_record(
    spec: DocumentMapping, record: Any, *, config: Mapping[str, Any], stream: str
) -> MappedDocument:
    """One record mapped on its own (a run compiles its mappings once: ``CompiledMapping``)."""
    return CompiledMapping(spec, config=config, stream=stream).map(record)


class _Permissions:
    def __init__(self, public: bool, users: list[Member], groups: list[Member]) -> None:
        self._public = public
        self._users = users
        self._groups = groups
        fixed = all(entry.fixed for entry in (*users, *groups))
        self._shared = self._build(None) if fixed else None
        """Entries that read nothing of the record: one object for every document."""

    def of(self, record: Any) -> DocumentPermissions:
        return self._shared if self._shared is not None else self._build(record)

    def _build(self, record: Any) -> DocumentPermissions:
        return DocumentPermissions(
            public=self._public,
            users=_entries(self._users, record),
            groups=_entries(self._groups, record),
        )


def _evaluate(member: Member, record: Any) -> Any:
    """A lenient member's value: a function refusing this record's data (``date`` of text that
    is no date) leaves the member absent rather than losing the document."""
    try:
        return member.value(record)
    except TemplateError:
        return None


def _text(member: Member | None, record: Any) -> str | None:
    return None if member is None else member.optional_text(record)


def _timestamp(member: Member | None, record: Any) -> datetime | None:
    if member is None:
        return None
    value = _evaluate(member, record)
    if value is None or value == "":
        return None
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError, OSError):
        return None  # a value that is no timestamp leaves the member absent


def _entries(members: list[Member], record: Any) -> list[str]:
    """Each template's value; a list value (``{watchers}``) gives each of its items."""
    found: list[str] = []
    for member in members:
        value = _evaluate(member, record)
        items = value if isinstance(value, list) else [value]
        found += [text_of(item) for item in items if item is not None and text_of(item)]
    return list(dict.fromkeys(found))


def _attributes(members: Mapping[str, Member], record: Any) -> dict[str, Any] | None:
    values = {name: _evaluate(member, record) for name, member in members.items()}
    kept = {name: value for name, value in values.items() if value is not None and value != ""}
    return kept or None
