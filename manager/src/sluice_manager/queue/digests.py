"""Digests of document events as queued, so an event that changes nothing is left out (§10.2).

A connector that emits a document again, unchanged, writes the same event text except for its
``sync_run_id``: the digest is the SHA-256 of the queued text with that one member cut out. The
enqueue function (migration 0013) compares it with the digest the indexer stored on the document
when it applied the last event, and leaves the event out of the queue when they are equal.

Why the text and not the validated models: the text is at hand (it is what the queue stores), a
hash of it costs a few microseconds per event where serialising the models again would cost
several times that on the ingest hot path, and the indexer needs nothing but a copy of the
digest. A text that differs in anything but the run id (member order, spacing, a new metadata
value) gives a different digest: the event is queued and applied as before, so a writer that is
not byte-for-byte repeatable loses the saving, never a change. ``content_id`` stands for the
content: blobs are immutable and content-addressed (§5.5), so an equal id is an equal text.

The member is cut only when its exact text occurs once; otherwise (an escaped name, or the same
text nested in ``metadata.extra``) there is no digest and the event is always queued.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# Only these events set a document from their own members (§10.6); a deletion is always queued.
_DIGESTED_TYPES = frozenset({"document_created", "document_updated"})


def _member_texts(sync_run_id: str) -> tuple[str, str]:
    # As compact writers (orjson, pydantic) and json.dumps' default separators write it.
    return (f'"sync_run_id":"{sync_run_id}"', f'"sync_run_id": "{sync_run_id}"')


def event_digest(text: str, members: tuple[str, str]) -> bytes | None:
    """The digest of one event's queued ``text``, or None when the run id member is ambiguous."""
    for member in members:
        found = text.count(member)
        if found == 1:
            return hashlib.sha256(text.replace(member, "", 1).encode("utf-8")).digest()
        if found > 1:
            return None
    return None


def event_digests(
    texts: Sequence[str], event_types: Sequence[str], sync_run_id: str
) -> list[bytes | None] | None:
    """Element i: the digest of event i (texts[i], event_types[i]); None when no event has one."""
    members = _member_texts(sync_run_id)
    digests: list[bytes | None] = [
        event_digest(text, members) if kind in _DIGESTED_TYPES else None
        for text, kind in zip(texts, event_types, strict=True)
    ]
    return digests if any(d is not None for d in digests) else None
