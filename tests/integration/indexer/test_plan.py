"""Planning a batch (pure): parsing payloads, dropping superseded events, rounds per key."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sluice_indexer.errors import InvalidEventError
from sluice_indexer.events import Claimed, DocDelete, DocUpsert, GroupSync, Noop, Sweep, parse, plan
from sluice_indexer.settings import IndexerSettings
from tests.integration.indexer import factories as f


def claimed(seq: int, payload: dict[str, Any], kind: str = "document") -> Claimed:
    key = payload.get("document_id") or payload.get("group_email") or "k"
    return Claimed(seq, "s", "r", payload.get("type", "full_sync_sweep"), kind, key, payload, 1)


def test_parse_created_fills_defaults_and_drops_null_metadata() -> None:
    event = f.created("d", "c", title="", attributes=None)
    event["metadata"]["author"] = None
    op = parse(claimed(1, event))
    assert isinstance(op, DocUpsert)
    assert op.title is None  # an empty title keeps the stored one
    assert op.attributes == "{}"
    assert op.metadata == '{"title":""}'  # null members are dropped, the rest kept
    assert op.permissions is not None


def test_parse_updated_keeps_what_is_absent() -> None:
    op = parse(claimed(1, f.updated("d", "c")))
    assert isinstance(op, DocUpsert)
    assert (op.permissions, op.attributes, op.title) == (None, None, None)


def test_parse_group_lowercases_and_deduplicates() -> None:
    op = parse(claimed(1, f.group_sync(" Team@X.org ", ["B@x.org", "b@X.org ", "a@x.org"])))
    assert op == GroupSync(1, "s", "team@x.org", None, ("a@x.org", "b@x.org"))


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "document_created", "document_id": "d", "metadata": {}},
        {"type": "document_created", "document_id": "", "content_id": "c", "permissions": f.PUBLIC},
        {"type": "document_updated", "document_id": "d", "content_id": "c", "permissions": [1]},
        {"type": "group_membership_sync", "group_email": "g", "member_emails": "x"},
        {"type": "mystery"},
        {"type": "full_sync_sweep", "start_seq": "7"},
    ],
)
def test_invalid_payloads_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidEventError):
        parse(claimed(3, payload))


def test_person_events_are_noops_and_sweeps_parse() -> None:
    assert parse(claimed(1, {"type": "person_deleted", "email": "x"}, "person")) == Noop(1)
    sweep = parse(claimed(2, {"sync_run_id": "r", "source_id": "s", "start_seq": 9}, "sweep"))
    assert sweep == Sweep(2, "s", "r", 9)


def test_plan_drops_events_superseded_by_self_contained_ones_and_rounds_the_rest() -> None:
    full = DocUpsert(1, "s", "a", "c", "T", None, "{}", "{}", "{}")
    partial = DocUpsert(2, "s", "a", "c", None, None, "{}", None, None)
    gone = DocDelete(3, "s", "a")
    again = DocUpsert(4, "s", "a", "c", None, None, "{}", "{}", "{}")
    later = DocUpsert(5, "s", "a", "c", None, None, "{}", None, None)
    other = DocUpsert(6, "s", "b", "c", "T", None, "{}", "{}", "{}")
    sweep = Sweep(7, "s", "r", 0)
    result = plan([later, other, sweep, gone, partial, full, again])
    # full and partial cannot matter after the delete; again and later go one per round.
    assert [r.deletes for r in result.rounds] == [[gone], [], []]
    assert [r.upserts for r in result.rounds] == [[other], [again], [later]]
    assert result.sweeps == [sweep]


def test_settings_keep_tombstones_at_least_as_long_as_dead_letters() -> None:
    with pytest.raises(ValidationError):
        IndexerSettings(dead_letter_retention_days=60, tombstone_retention_days=30)
