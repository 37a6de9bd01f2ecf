"""The catalog's operations: validate, push, change status or visibility, and the reads.

A version's life is draft → published → archived. A draft's content may be replaced by pushing it
again; a published (or archived) version never changes: an identical re-push is answered with the
stored version, a changed one is refused (bump ``metadata.version``).
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from sluice_descriptor import Problem, load_text
from sluice_descriptor.loader import MAX_DEPTH
from sluice_manager.catalog import repository
from sluice_manager.catalog.content import Entry
from sluice_manager.catalog.errors import (
    DescriptorImmutable,
    DescriptorInvalid,
    DescriptorNotFound,
    StatusTransitionRefused,
    problem_json,
)
from sluice_manager.catalog.models import (
    DEFAULT_STATUS,
    DEFAULT_VISIBILITY,
    DescriptorDetail,
    DescriptorPatch,
    DescriptorSummary,
    DescriptorVersions,
    ProblemView,
    PushOutcome,
    PushResult,
    Status,
    ValidationReport,
    Visibility,
)
from sluice_manager.catalog.versions import VersionError
from sluice_manager.sources.validation import contains_nul

log = structlog.get_logger(__name__)

_NEXT: dict[str, frozenset[str]] = {
    "draft": frozenset({"draft", "published"}),
    "published": frozenset({"published", "archived"}),
    "archived": frozenset({"archived"}),
}


def check_transition(slug: str, version: str, current: str, wanted: str) -> None:
    """StatusTransitionRefused unless ``wanted`` follows ``current`` (or equals it)."""
    if wanted not in _NEXT[current]:
        raise StatusTransitionRefused(slug, version, current, wanted)


def validate_text(
    text: str, filename: str = "<descriptor>", *, max_depth: int = MAX_DEPTH
) -> ValidationReport:
    result = load_text(text, filename=filename, max_depth=max_depth)
    return ValidationReport(
        valid=result.ok,
        problems=[ProblemView.model_validate(problem_json(p)) for p in result.problems],
    )


def entry_of(text: str, *, max_depth: int = MAX_DEPTH) -> Entry:
    """The storable content of a pushed text; DescriptorInvalid with every problem otherwise.
    ``max_depth`` is the limit on stored JSON values (§1.3) the document is held to."""
    result = load_text(text, filename="<descriptor>", max_depth=max_depth)
    if not result.ok or result.descriptor is None:
        raise DescriptorInvalid(result.problems)
    try:
        entry = Entry.of(result.descriptor, text)
    except VersionError as exc:
        raise DescriptorInvalid(
            [Problem(path="metadata.version", message=str(exc), line=None, column=None)]
        ) from exc
    if contains_nul(entry.document) or "\x00" in text:
        # Postgres text and jsonb cannot hold U+0000.
        raise DescriptorInvalid(
            [
                Problem(
                    path="", message="text must not contain NUL characters", line=None, column=None
                )
            ]
        )
    return entry


def _result(row: asyncpg.Record, outcome: PushOutcome) -> PushResult:
    return PushResult(**repository.summary(row).model_dump(), outcome=outcome)


async def _push_existing(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    entry: Entry,
    *,
    status: Status | None,
    visibility: Visibility | None,
    now: datetime,
) -> PushResult:
    current = row["status"]
    wanted_status = status or current
    wanted_visibility = visibility or row["visibility"]
    if row["digest"] == entry.digest:
        if (wanted_status, wanted_visibility) == (current, row["visibility"]):
            return _result(row, "unchanged")
        check_transition(entry.slug, entry.version, current, wanted_status)
        updated = await repository.set_state(
            conn,
            entry.slug,
            entry.version,
            status=wanted_status,
            visibility=wanted_visibility,
            now=now,
        )
        assert updated is not None  # the row is locked
        return _result(updated, "updated")
    if current != "draft":
        raise DescriptorImmutable(entry.slug, entry.version, current)
    check_transition(entry.slug, entry.version, current, wanted_status)
    replaced = await repository.replace_draft(conn, entry, wanted_status, wanted_visibility, now)
    assert replaced is not None  # the row is locked and a draft
    return _result(replaced, "replaced")


async def push(
    pool: asyncpg.Pool,
    text: str,
    *,
    status: Status | None,
    visibility: Visibility | None,
    now: datetime,
    max_depth: int = MAX_DEPTH,
) -> PushResult:
    """Store the descriptor ``text`` as its metadata.version. ``status`` and ``visibility`` given
    as None keep a stored version's (a new one is a private draft)."""
    entry = entry_of(text, max_depth=max_depth)
    async with pool.acquire() as conn, conn.transaction():
        row = await repository.lock(conn, entry.slug, entry.version)
        if row is None:
            created = await repository.insert(
                conn,
                entry,
                status or DEFAULT_STATUS,
                visibility or DEFAULT_VISIBILITY,
                now,
            )
            if created is not None:
                result = _result(created, "created")
            else:  # pushed concurrently: it exists now
                row = await repository.lock(conn, entry.slug, entry.version)
                assert row is not None  # descriptors are never deleted
                result = await _push_existing(
                    conn, row, entry, status=status, visibility=visibility, now=now
                )
        else:
            result = await _push_existing(
                conn, row, entry, status=status, visibility=visibility, now=now
            )
    log.info(
        "descriptor_pushed",
        slug=entry.slug,
        version=entry.version,
        outcome=result.outcome,
        status=result.status,
    )
    return result


async def change_state(
    pool: asyncpg.Pool, slug: str, version: str, patch: DescriptorPatch, now: datetime
) -> DescriptorSummary:
    async with pool.acquire() as conn, conn.transaction():
        row = await repository.lock(conn, slug, version)
        if row is None:
            raise DescriptorNotFound(slug, version)
        status = patch.status or row["status"]
        visibility = patch.visibility or row["visibility"]
        check_transition(slug, version, row["status"], status)
        if (status, visibility) != (row["status"], row["visibility"]):
            row = await repository.set_state(
                conn, slug, version, status=status, visibility=visibility, now=now
            )
            assert row is not None
            log.info("descriptor_state_changed", slug=slug, version=version, status=status)
    return repository.summary(row)


async def get_version(pool: asyncpg.Pool, slug: str, version: str) -> DescriptorDetail:
    row = await repository.get(pool, slug, version)
    if row is None:
        raise DescriptorNotFound(slug, version)
    return repository.detail(row)


async def list_versions(pool: asyncpg.Pool, slug: str) -> DescriptorVersions:
    rows = await repository.versions(pool, slug)
    if not rows:
        raise DescriptorNotFound(slug)
    summaries = [repository.summary(row) for row in rows]
    published = [s for s in summaries if s.status == "published"]
    latest = (published or summaries)[0].version
    return DescriptorVersions(slug=slug, latest=latest, versions=summaries)
