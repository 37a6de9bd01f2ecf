"""Enqueueing a batch of events in one transaction under the source lock (protocol §4.2, §10.2).

The transaction is the implicit one of a single statement calling ``sluice_enqueue_events_v2``
(migrations 0007, 0013): lock, checks, insert, run update and NOTIFY in one round trip. Where each
event's text is known apart, document events carry a digest (sluice_manager.queue.digests), and
the function leaves out of the queue those that would not change their document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

import asyncpg

from sluice_manager.errors import ManagerError
from sluice_manager.queue.digests import event_digests
from sluice_manager.queue.original_text import event_texts, events_array_text
from sluice_sdk.models import (
    DocumentCreatedEvent,
    DocumentDeletedEvent,
    DocumentUpdatedEvent,
    Event,
    GroupMembershipSyncEvent,
    PersonDeletedEvent,
    PersonSyncEvent,
    dump_event,
)
from sluice_sql.query_loader import QUERIES


class EventsRejected(ManagerError):
    """The source or run refuses events (§4.2 steps 3-5); nothing was enqueued."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """Queue columns for each event, in array order (§10.1). Plain strings: no models."""

    sync_run_id: str
    source_id: str
    event_types: list[str]
    entity_kinds: list[str]
    entity_keys: list[str]
    document_events: int
    # Index of the first event whose own ids differ from the request's, if any (§4.2 step 5).
    first_mismatch: int | None


@dataclass(frozen=True, slots=True)
class Payloads:
    """The payload text of a batch (§10.1 payload: the validated event as JSON).

    ``written`` is the request body when its events array, as written, is the validated events
    (sluice_manager.queue.original_text); ``rewrite`` gives the validated events serialised anew
    as a JSON array. It is used when ``written`` is None, or when Postgres refuses that text.
    ``texts``, when set, is each validated event serialised on its own (``written`` is then None):
    queued as they are, with digests.
    """

    written: bytes | None
    rewrite: Callable[[], str]
    texts: list[str] | None = None

    @classmethod
    def rewritten(cls, events: Sequence[Event]) -> Payloads:
        # One text per event, so each has a digest.
        texts = [dump_event(e).decode("utf-8") for e in events]
        return cls(None, lambda: "[" + ",".join(texts) + "]", texts)


def _email_key(email: str) -> str:
    return email.strip().lower()


# The ordering key of each event class (§10.1): document ids as sent, emails trimmed and lowercased.
# Keyed by exact class: the union is closed, and a dict lookup is far cheaper than isinstance on
# pydantic models, which goes through ABCMeta (this runs once per event on the ingest hot path).
_ENTITY: dict[type[Any], tuple[str, Callable[[Any], str]]] = {
    DocumentCreatedEvent: ("document", attrgetter("document_id")),
    DocumentUpdatedEvent: ("document", attrgetter("document_id")),
    DocumentDeletedEvent: ("document", attrgetter("document_id")),
    GroupMembershipSyncEvent: ("group", lambda e: _email_key(e.group_email)),
    PersonSyncEvent: ("person", lambda e: _email_key(e.person.email)),
    PersonDeletedEvent: ("person", lambda e: _email_key(e.email)),
}


def prepare_batch(sync_run_id: str, source_id: str, events: Sequence[Event]) -> PreparedBatch:
    event_types: list[str] = []
    kinds: list[str] = []
    keys: list[str] = []
    documents = 0
    first_mismatch: int | None = None
    for index, event in enumerate(events):
        if first_mismatch is None and (
            event.sync_run_id != sync_run_id or event.source_id != source_id
        ):
            first_mismatch = index
        kind, key_of = _ENTITY[type(event)]
        if kind == "document":
            documents += 1
        event_types.append(event.type)
        kinds.append(kind)
        keys.append(key_of(event))
    return PreparedBatch(
        sync_run_id, source_id, event_types, kinds, keys, documents, first_mismatch
    )


async def enqueue_batch(
    pool: asyncpg.Pool, batch: PreparedBatch, payloads: Payloads, now: datetime
) -> None:
    """Check source and run and enqueue the batch in one statement, one implicit transaction.

    All or nothing; raises EventsRejected naming the first failed check, in the order of §4.2.
    """
    row: asyncpg.Record | None = None
    written = payloads.written
    if written is not None:
        try:
            row = await _enqueue_written(pool, written, batch, now)
        except asyncpg.InvalidTextRepresentationError:
            # Postgres refused the text as JSON (NaN, Infinity, a wrong cut, or events not the
            # last member): the statement wrote nothing, so write the events anew.
            row = None
    elif payloads.texts is not None:
        row = await _enqueue(pool, QUERIES.enqueue_event_list, payloads.texts, batch, now)
    if row is None:
        row = await _enqueue(pool, QUERIES.enqueue_event_batch, payloads.rewrite(), batch, now)
    if not row["accepted"]:
        raise EventsRejected(_rejection(row, batch))


async def _enqueue_written(
    pool: asyncpg.Pool, written: bytes, batch: PreparedBatch, now: datetime
) -> asyncpg.Record:
    # Cheapest first: events cut apart here (Postgres only validates each), then the events array
    # split by Postgres, then the whole body taken apart by Postgres.
    texts = event_texts(written, len(batch.event_types))
    if texts is not None:
        return await _enqueue(pool, QUERIES.enqueue_event_list, texts, batch, now)
    array = events_array_text(written)
    if array is not None:
        return await _enqueue(pool, QUERIES.enqueue_event_batch, array, batch, now)
    body = written.decode("utf-8")
    return await _enqueue(pool, QUERIES.enqueue_event_batch_body, body, batch, now)


async def _enqueue(
    pool: asyncpg.Pool,
    query: str,
    payloads: str | list[str],
    batch: PreparedBatch,
    now: datetime,
) -> asyncpg.Record:
    # Digests only where the events' texts are known apart (the cheap paths, nearly always).
    digests = (
        event_digests(payloads, batch.event_types, batch.sync_run_id)
        if isinstance(payloads, list) and batch.document_events
        else None
    )
    row: asyncpg.Record = await pool.fetchrow(
        query,
        batch.source_id,
        batch.sync_run_id,
        batch.first_mismatch is None,
        batch.event_types,
        batch.entity_kinds,
        batch.entity_keys,
        payloads,
        batch.document_events,
        now,
        digests,
    )
    return row


def _rejection(row: asyncpg.Record, batch: PreparedBatch) -> str:
    sync_run_id, source_id = batch.sync_run_id, batch.source_id
    if row["source_active"] is None:
        return "unknown event source"
    if row["source_deleted"]:
        return f"source {source_id} is deleted"
    if not row["source_active"]:
        return f"source {source_id} is disabled"
    if row["run_status"] is None:
        return f"unknown sync run {sync_run_id}"
    if row["run_source_id"] != source_id:
        return f"sync run {sync_run_id} belongs to another source"
    if row["run_status"] != "running":
        return f"sync run {sync_run_id} is not running (status {row['run_status']})"
    return f"event {batch.first_mismatch} has a sync_run_id or source_id different from the request"
