"""Claimed queue rows → typed operations, and the plan that applies a batch in bulk.

Pure functions: no database here. The payload was validated by the manager (protocol §5.1), so
parsing uses plain dict access and only guards against shapes that would break the bulk statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from sluice_indexer.errors import InvalidEventError
from sluice_sql.queue_contract import SWEEP_EVENT_TYPE

DOCUMENT_EVENTS = frozenset({"document_created", "document_updated", "document_deleted"})


@dataclass(frozen=True, slots=True)
class Claimed:
    """One row returned by the claim (protocol §10.1)."""

    seq: int
    source_id: str
    sync_run_id: str
    event_type: str
    entity_kind: str
    entity_key: str
    payload: Any
    attempts: int
    # The manager's digest of a document event (migration 0013), None where it computed none.
    event_digest: bytes | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Claimed:
        return cls(
            seq=record["seq"],
            source_id=record["source_id"],
            sync_run_id=record["sync_run_id"],
            event_type=record["event_type"],
            entity_kind=record["entity_kind"],
            entity_key=record["entity_key"],
            payload=record["payload"],
            attempts=record["attempts"],
            event_digest=record.get("event_digest"),
        )


@dataclass(frozen=True, slots=True)
class DocUpsert:
    """document_created / document_updated (§10.6). ``None`` means "keep the stored value"."""

    seq: int
    source_id: str
    external_id: str
    content_id: str
    title: str | None
    url: str | None
    metadata: str
    permissions: str | None
    attributes: str | None
    # Stored on the document, so the manager can leave out an event that would not change it.
    event_digest: bytes | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_id, "document", self.external_id)

    @property
    def self_contained(self) -> bool:
        """True when the result does not depend on the stored row (earlier events are moot)."""
        return None not in (self.title, self.permissions, self.attributes)


@dataclass(frozen=True, slots=True)
class DocDelete:
    seq: int
    source_id: str
    external_id: str
    self_contained = True

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_id, "document", self.external_id)


@dataclass(frozen=True, slots=True)
class GroupSync:
    seq: int
    source_id: str
    group_email: str
    name: str | None
    members: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source_id, "group", self.group_email)

    @property
    def self_contained(self) -> bool:
        return self.name is not None


@dataclass(frozen=True, slots=True)
class Sweep:
    """The full-sync sweep, ``SWEEP_EVENT_TYPE`` (§10.7.3)."""

    seq: int
    source_id: str
    sync_run_id: str
    start_seq: int


@dataclass(frozen=True, slots=True)
class Noop:
    """person_sync / person_deleted: completed without effect (§10.6)."""

    seq: int


KeyedOp = DocUpsert | DocDelete | GroupSync
Op = KeyedOp | Sweep | Noop


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _text(payload: Mapping[str, Any], name: str, seq: int) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEventError(seq, f"{name} must be a non-empty string")
    return value


def _object_or_none(value: Any, name: str, seq: int) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidEventError(seq, f"{name} must be an object")
    return value


def _permissions(value: Any, seq: int) -> str | None:
    perms = _object_or_none(value, "permissions", seq)
    if perms is None:
        return None
    users, groups = perms.get("users"), perms.get("groups")
    if not isinstance(perms.get("public"), bool) or not isinstance(users, list):
        raise InvalidEventError(seq, "permissions need public (bool), users and groups (lists)")
    if not isinstance(groups, list):
        raise InvalidEventError(seq, "permissions need public (bool), users and groups (lists)")
    return _dumps({"public": perms["public"], "users": users, "groups": groups})


def _upsert(event: Claimed, payload: Mapping[str, Any]) -> DocUpsert:
    seq = event.seq
    metadata = _object_or_none(payload.get("metadata"), "metadata", seq) or {}
    # Null members mean absent (§5.2); the rest of metadata is stored as a whole.
    metadata = {k: v for k, v in metadata.items() if v is not None}
    title = metadata.get("title")
    url = metadata.get("url")
    permissions = _permissions(payload.get("permissions"), seq)
    attributes = _object_or_none(payload.get("attributes"), "attributes", seq)
    created = event.event_type == "document_created"
    if created and permissions is None:
        raise InvalidEventError(seq, "document_created requires permissions")
    if created and attributes is None:
        attributes = {}
    return DocUpsert(
        seq=seq,
        source_id=event.source_id,
        external_id=_text(payload, "document_id", seq),
        content_id=_text(payload, "content_id", seq),
        title=title if isinstance(title, str) and title else None,
        url=url if isinstance(url, str) else None,
        metadata=_dumps(metadata),
        permissions=permissions,
        attributes=None if attributes is None else _dumps(attributes),
        event_digest=event.event_digest,
    )


def _group(event: Claimed, payload: Mapping[str, Any]) -> GroupSync:
    members = payload.get("member_emails")
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise InvalidEventError(event.seq, "member_emails must be a list of strings")
    name = payload.get("group_name")
    # Lowercased and deduplicated (§10.6); sorted so equal sets give equal statements.
    cleaned = sorted({m.strip().lower() for m in members if m.strip()})
    return GroupSync(
        seq=event.seq,
        source_id=event.source_id,
        group_email=_text(payload, "group_email", event.seq).strip().lower(),
        name=name if isinstance(name, str) else None,
        members=tuple(cleaned),
    )


def _sweep(event: Claimed, payload: Mapping[str, Any]) -> Sweep:
    start_seq = payload.get("start_seq")
    if not isinstance(start_seq, int) or isinstance(start_seq, bool):
        raise InvalidEventError(event.seq, "start_seq must be an integer")
    return Sweep(
        seq=event.seq,
        source_id=event.source_id,
        sync_run_id=str(payload.get("sync_run_id") or event.sync_run_id),
        start_seq=start_seq,
    )


def parse(event: Claimed) -> Op:
    """The operation of one claimed row; raises InvalidEventError for a malformed payload."""
    payload = event.payload
    if isinstance(payload, str):
        # A connection without the json codec hands the payload over as text.
        try:
            payload = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise InvalidEventError(event.seq, "payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidEventError(event.seq, "payload must be a JSON object")
    kind = event.event_type
    if kind in ("document_created", "document_updated"):
        return _upsert(event, payload)
    if kind == "document_deleted":
        return DocDelete(event.seq, event.source_id, _text(payload, "document_id", event.seq))
    if kind == "group_membership_sync":
        return _group(event, payload)
    if kind == SWEEP_EVENT_TYPE:
        return _sweep(event, payload)
    if kind in ("person_sync", "person_deleted"):
        return Noop(event.seq)
    raise InvalidEventError(event.seq, f"unknown event type {kind!r}")


@dataclass(slots=True)
class Round:
    """Operations with pairwise distinct keys: each kind goes out as one bulk statement."""

    upserts: list[DocUpsert] = field(default_factory=list)
    deletes: list[DocDelete] = field(default_factory=list)
    groups: list[GroupSync] = field(default_factory=list)

    def add(self, op: KeyedOp) -> None:
        if isinstance(op, DocUpsert):
            self.upserts.append(op)
        elif isinstance(op, DocDelete):
            self.deletes.append(op)
        else:
            self.groups.append(op)


@dataclass(slots=True)
class Plan:
    rounds: list[Round]
    sweeps: list[Sweep]


def plan(ops: Iterable[Op]) -> Plan:
    """Order a batch so bulk application equals applying it one event at a time in seq order.

    Events of one key (protocol §10.3) are chained by seq. An event followed by a self-contained
    one (a delete, or an upsert that sets title, permissions and attributes) cannot influence the
    result under the seq guard, so it is dropped; the rest of a chain goes out one per round.
    Sweeps run last: the claim lets a sweep in only after every lower seq of its source is done,
    and a later document event of the batch only raises ``last_seq`` above the sweep's mark.
    """
    chains: dict[tuple[str, str, str], list[KeyedOp]] = {}
    sweeps: list[Sweep] = []
    for op in sorted(ops, key=lambda o: o.seq):
        if isinstance(op, Sweep):
            sweeps.append(op)
        elif not isinstance(op, Noop):
            chains.setdefault(op.key, []).append(op)
    rounds: list[Round] = []
    for chain in chains.values():
        kept = _drop_superseded(chain)
        while len(rounds) < len(kept):
            rounds.append(Round())
        for index, op in enumerate(kept):
            rounds[index].add(op)
    return Plan(rounds=rounds, sweeps=sweeps)


def _drop_superseded(chain: Sequence[KeyedOp]) -> list[KeyedOp]:
    last_full = max((i for i, op in enumerate(chain) if op.self_contained), default=0)
    return list(chain[last_full:])


def processed_counts(events: Iterable[Claimed]) -> dict[str, int]:
    """Applied document events per run (protocol §10.6, documents_processed)."""
    counts: dict[str, int] = {}
    for event in events:
        if event.event_type in DOCUMENT_EVENTS:
            counts[event.sync_run_id] = counts.get(event.sync_run_id, 0) + 1
    return counts
