"""Response bodies of the search routes (documented in the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

SNIPPET_DESCRIPTION = (
    "Up to two passages of the document around the matches, as HTML-escaped text whose only "
    "markup is <b>…</b> around each match: safe to insert into a page as HTML. For plain text, "
    "remove the <b> and </b> markers, then unescape the entities (&lt; &gt; &amp; &quot; &#x27;)."
)


class SearchHit(BaseModel):
    document_id: int
    source_id: str
    external_id: str
    title: str
    url: str | None
    snippet: str = Field(description=SNIPPET_DESCRIPTION)
    score: float


class SearchResponse(BaseModel):
    results: list[SearchHit]
    total: int = Field(
        description="How many visible documents match; a lower bound when total_is_lower_bound."
    )
    total_is_lower_bound: bool = Field(
        description=(
            "True when the query matched too many documents to count them all: at least total "
            'documents match (show it as e.g. "2000+"). See docs/protocol.md §10.6.'
        )
    )


class DocumentBody(BaseModel):
    document_id: int
    source_id: str
    external_id: str
    title: str
    url: str | None
    content: str
    content_id: str | None
    content_sha256: str | None
    metadata: dict[str, Any]
    permissions: dict[str, Any]
    attributes: dict[str, Any]
    last_seq: int
    sync_run_id: str | None
    created_at: str
    updated_at: str
