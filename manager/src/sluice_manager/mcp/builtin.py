"""``search`` and ``get_document``: the documents API as tools of ``/mcp``.

``search`` reads like ``GET /api/search``, as seen by ``user`` when given (the same permission
filter); ``get_document`` like ``GET /api/documents/{id}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import mcp_types as types
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sluice_manager.mcp.results import failure, success
from sluice_manager.search.reads import (
    MAX_DOCUMENT_ID,
    SearchParams,
    read_document,
    search_documents,
)
from sluice_manager.sources.validation import contains_nul


class SearchArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="Words to find (web-search syntax: quotes, OR, -)")
    user: str | None = Field(
        default=None,
        description="E-mail of the person searching: only documents they may read are returned",
    )
    source_id: str | None = Field(default=None, description="Only documents of this source")
    limit: int = Field(default=10, ge=1, le=100, description="How many results")
    offset: int = Field(default=0, ge=0, le=1_000_000, description="Results to skip (paging)")


class DocumentArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: int = Field(ge=1, le=MAX_DOCUMENT_ID, description="A search hit's document_id")


SEARCH = types.Tool(
    name="search",
    title="Search documents",
    description=(
        "Full-text search over every document Sluice has indexed from its sources. Returns hits "
        "with document_id, title, url, a snippet (<b> marks the matches) and score, best first."
    ),
    input_schema=SearchArguments.model_json_schema(),
    annotations=types.ToolAnnotations(read_only_hint=True),
)
GET_DOCUMENT = types.Tool(
    name="get_document",
    title="Read a document",
    description="One indexed document by the document_id a search returned: its full text, "
    "metadata and permissions.",
    input_schema=DocumentArguments.model_json_schema(),
    annotations=types.ToolAnnotations(read_only_hint=True),
)
BUILTINS = [SEARCH, GET_DOCUMENT]


def _refusal(exc: ValidationError) -> types.CallToolResult:
    problems = [
        {"argument": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    return failure("the arguments do not fit the tool's input schema", {"problems": problems})


async def search(pool: asyncpg.Pool, arguments: Mapping[str, Any]) -> types.CallToolResult:
    try:
        args = SearchArguments.model_validate(arguments)
    except ValidationError as exc:
        return _refusal(exc)
    if contains_nul(arguments):
        return failure("arguments must not contain NUL characters")
    params = SearchParams.of(
        args.query.strip(),
        source_id=args.source_id,
        user=args.user,
        limit=args.limit,
        offset=args.offset,
    )
    return success(await search_documents(pool, params))


async def get_document(pool: asyncpg.Pool, arguments: Mapping[str, Any]) -> types.CallToolResult:
    try:
        args = DocumentArguments.model_validate(arguments)
    except ValidationError as exc:
        return _refusal(exc)
    document = await read_document(pool, args.document_id)
    if document is None:
        return failure(f"document {args.document_id} not found")
    return success(document)


Builtin = Callable[[asyncpg.Pool, Mapping[str, Any]], Awaitable[types.CallToolResult]]
CALLS: dict[str, Builtin] = {SEARCH.name: search, GET_DOCUMENT.name: get_document}
