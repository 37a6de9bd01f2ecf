"""Pure mapping: one record of a stream → the document Sluice stores (``sync.streams[].document``).

Templates see the record's fields as root names, plus ``record`` (the whole record), ``config``
(the source config) and ``stream`` (the stream name). ``external_id`` must render (a missing
variable or an empty id skips the record) and is the document's id in the source as it renders,
so streams whose ids could collide spell them apart (``post-{id}``, ``comment-{id}``). Every other
member renders leniently (a missing variable is empty, an empty result is absent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sluice_descriptor.errors import TemplateError
from sluice_descriptor.functions import parse_datetime, text_of
from sluice_descriptor.sync import DocumentMapping, Permissions
from sluice_descriptor.templates import Template
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


def template_context(record: Any, config: Mapping[str, Any], stream: str) -> dict[str, Any]:
    fields = dict(record) if isinstance(record, Mapping) else {}
    return {**fields, "record": record, "config": dict(config), "stream": stream}


def document_id(spec: DocumentMapping, ctx: Mapping[str, Any]) -> str:
    """The document id of a record; raises ``MappingError`` when the template cannot give one."""
    try:
        identifier = Template.parse(spec.external_id).render(ctx)
    except TemplateError as exc:
        raise MappingError(f"external_id: {exc}") from exc
    if not identifier:
        raise MappingError("external_id is empty")
    if len(identifier) > MAX_DOCUMENT_ID:
        raise MappingError(f"external_id is longer than {MAX_DOCUMENT_ID} characters")
    return identifier


def map_record(
    spec: DocumentMapping, record: Any, *, config: Mapping[str, Any], stream: str
) -> MappedDocument:
    ctx = template_context(record, config, stream)
    identifier = document_id(spec, ctx)
    title = _text(spec.title, ctx)
    text = _text(spec.text, ctx) if spec.text is not None else text_of(record)
    metadata = DocumentMetadata(
        title=title,
        author=_text(spec.author, ctx),
        url=_text(spec.url, ctx),
        content_type=_text(spec.content_type, ctx) or DEFAULT_CONTENT_TYPE,
        mime_type="text/plain",
        created_at=_timestamp(spec.created_at, ctx),
        updated_at=_timestamp(spec.updated_at, ctx),
        size=str(len((text or "").encode())),
        path=f"{stream}/{title or identifier}",
    )
    return MappedDocument(
        document_id=identifier,
        text=text or "",
        metadata=metadata,
        permissions=_permissions(spec.permissions, ctx),
        attributes=_attributes(spec.attributes, ctx),
    )


def _evaluate(template: str, ctx: Mapping[str, Any]) -> Any:
    """A lenient member's value: a function refusing this record's data (``date`` of text that
    is no date) leaves the member absent rather than losing the document."""
    try:
        return Template.parse(template).evaluate(ctx, strict=False)
    except TemplateError:
        return None


def _text(template: str | None, ctx: Mapping[str, Any]) -> str | None:
    if template is None:
        return None
    try:
        rendered = Template.parse(template).render(ctx, strict=False)
    except TemplateError:
        return None
    return rendered or None


def _timestamp(template: str | None, ctx: Mapping[str, Any]) -> datetime | None:
    if template is None:
        return None
    value = _evaluate(template, ctx)
    if value is None or value == "":
        return None
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError, OSError):
        return None  # a value that is no timestamp leaves the member absent


def _entries(templates: list[str], ctx: Mapping[str, Any]) -> list[str]:
    """Each template's value; a list value (``{watchers}``) gives each of its items."""
    found: list[str] = []
    for template in templates:
        value = _evaluate(template, ctx)
        items = value if isinstance(value, list) else [value]
        found += [text_of(item) for item in items if item is not None and text_of(item)]
    return list(dict.fromkeys(found))


def _permissions(spec: Permissions | None, ctx: Mapping[str, Any]) -> DocumentPermissions | None:
    if spec is None:
        return None
    return DocumentPermissions(
        public=spec.public, users=_entries(spec.users, ctx), groups=_entries(spec.groups, ctx)
    )


def _attributes(spec: Mapping[str, str], ctx: Mapping[str, Any]) -> dict[str, Any] | None:
    values = {name: _evaluate(template, ctx) for name, template in spec.items()}
    kept = {name: value for name, value in values.items() if value is not None and value != ""}
    return kept or None
