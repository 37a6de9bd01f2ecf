"""Sluice's ``sync`` section: streams that turn a read operation's pages into documents, and the
sync settings of a database connector (docs/descriptor.md, "The sync section").

Which pagination members each style needs is checked by ``validate.py`` (with the member's path), so
that one flat ``Pagination`` model serves every style.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import ConfigDict, Field

from sluice_descriptor.base import DescriptorModel

PaginationStyle = Literal[
    "none", "next_url", "link_header", "next_header", "cursor", "offset", "page_number"
]
PAGINATION_STYLES: tuple[str, ...] = get_args(PaginationStyle)

STREAM_NAME_PATTERN = r"^[a-z0-9_]+$"


REQUIRED_MEMBERS: dict[str, tuple[str, ...]] = {
    "none": (),
    "next_url": ("next_url",),
    "link_header": (),
    "next_header": ("header",),
    "cursor": ("cursor", "cursor_parameter"),
    "offset": ("offset_parameter",),
    "page_number": ("page_parameter",),
}
"""Members each pagination style needs."""


def _required_by_style() -> dict[str, Any]:
    """The same rule in the published schema, so that editors flag a missing member."""
    return {
        "allOf": [
            {
                "if": {"properties": {"style": {"const": style}}, "required": ["style"]},
                "then": {"required": list(members)},
            }
            for style, members in REQUIRED_MEMBERS.items()
            if members
        ]
    }


class Pagination(DescriptorModel):
    """How a stream reaches its next page, and when it stops."""

    model_config = ConfigDict(json_schema_extra=_required_by_style())

    style: PaginationStyle = "none"
    """none, next_url, link_header, next_header, cursor, offset or page_number."""
    next_url: str | None = None
    """next_url: JSONPath of the next page's URL in the body (absent, null or empty stops)."""
    header: str | None = None
    """next_header: response header holding the next page's URL."""
    cursor: str | None = None
    """cursor: JSONPath of the cursor token in the body (absent, null or empty stops)."""
    cursor_parameter: str | None = None
    """cursor: the operation parameter that sends the token back."""
    offset_parameter: str | None = None
    """offset: the operation parameter receiving the offset (records seen so far)."""
    limit_parameter: str | None = None
    """offset and page_number: the operation parameter receiving ``page_size``."""
    page_parameter: str | None = None
    """page_number: the operation parameter receiving the page number."""
    start_page: int = 1
    """page_number: the first page's number."""
    page_size: Annotated[int, Field(ge=1)] | None = None
    """Records per page, sent in ``limit_parameter``; offset/page_number: a short page stops."""
    has_more: str | None = None
    """JSONPath of a flag in the body; false stops."""
    total: str | None = None
    """JSONPath of the total number of records in the body; reaching it stops."""
    stop_on_short_page: bool = True
    """offset and page_number: a page with fewer than ``page_size`` records is the last."""
    max_pages: Annotated[int, Field(ge=1)] | None = None
    """At most this many pages per sync."""


class Permissions(DescriptorModel):
    """Who may see the document; user and group entries are templates."""

    public: bool = False
    users: list[str] = []
    groups: list[str] = []


class DocumentMapping(DescriptorModel):
    """Templates over one record's fields (plus ``config`` and ``stream``) giving the document."""

    external_id: Annotated[str, Field(min_length=1)]
    """The document's id in the source (unique per stream)."""
    title: str | None = None
    text: str | None = None
    """The searchable text."""
    url: str | None = None
    author: str | None = None
    content_type: str | None = None
    """Defaults to text/plain."""
    created_at: str | None = None
    updated_at: str | None = None
    permissions: Permissions | None = None
    """Default: private to the source."""
    attributes: dict[str, str] = {}
    """Attribute name → template."""


class Incremental(DescriptorModel):
    """Bookmark-based incremental sync."""

    cursor_field: Annotated[str, Field(min_length=1)]
    """Dotted path of a record field; the bookmark is the greatest value seen."""
    parameter: Annotated[str, Field(min_length=1)]
    """Operation parameter that receives the bookmark."""
    format: str | None = None
    """Template of the value sent, e.g. ``{date({bookmark}, %Y-%m-%d)}``."""
    lookback_seconds: Annotated[int, Field(ge=0)] = 0
    """Subtracted from a timestamp bookmark, for late writes."""


class Deleted(DescriptorModel):
    """Records the API flags as deleted become deletions."""

    field: Annotated[str, Field(min_length=1)]
    """Dotted path of the flag in the record."""
    value: Any = None
    """The value meaning deleted; null means any truthy value."""


class Stream(DescriptorModel):
    """One read operation synced page by page into documents."""

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=STREAM_NAME_PATTERN)]
    """Unique stream name (lowercase alphanumerics and underscores)."""
    operation_id: str
    """A read operation of this descriptor."""
    parameters: dict[str, Any] = {}
    """Fixed parameter values; strings are templates over the source config's keys."""
    records: str | None = None
    """JSONPath selecting the records in a page's body; default: the body when it is an array."""
    pagination: Pagination = Pagination()
    document: DocumentMapping
    incremental: Incremental | None = None
    deleted: Deleted | None = None


class DatabaseSync(DescriptorModel):
    """How a database connector's tables become documents."""

    cursor_column: str | None = "updated_at"
    """Timestamp column for incremental sync, in the tables that have it."""
    primary_key: list[str] | None = None
    """Columns forming the document id; default: each table's primary key."""
    text_columns: list[str] = []
    """Columns written into the text as ``name: value`` lines; empty means every column."""
    title_column: str | None = None
    """Column used as the title."""


class SyncSpec(DescriptorModel):
    streams: list[Stream] = []
    database: DatabaseSync | None = None
    """Used with ``database_config``."""

    def stream(self, name: str) -> Stream | None:
        return next((s for s in self.streams if s.name == name), None)
