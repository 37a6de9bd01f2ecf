"""Digests of queued document events (sluice_manager.queue.digests, migration 0013)."""

from __future__ import annotations

import json

import orjson

from sluice_manager.queue.digests import event_digests

RUN_1, RUN_2 = "01JRUNAAAAAAAAAAAAAAAAAAAA", "01JRUNBBBBBBBBBBBBBBBBBBBB"


def _event(run: str, title: str = "T", **extra: object) -> dict[str, object]:
    return {
        "type": "document_created",
        "sync_run_id": run,
        "source_id": "S",
        "document_id": "d",
        "content_id": "c",
        "metadata": {"title": title, **extra},
        "permissions": {"public": True, "users": [], "groups": []},
    }


def _digest(text: str, run: str, kind: str = "document_created") -> bytes | None:
    digests = event_digests([text], [kind], run)
    return None if digests is None else digests[0]


def test_the_same_event_of_another_run_has_the_same_digest() -> None:
    first = _digest(orjson.dumps(_event(RUN_1)).decode(), RUN_1)
    assert first is not None
    assert _digest(orjson.dumps(_event(RUN_2)).decode(), RUN_2) == first
    # json.dumps' default separators are recognised too.
    spaced = _digest(json.dumps(_event(RUN_1)), RUN_1)
    assert spaced is not None
    assert spaced == _digest(json.dumps(_event(RUN_2)), RUN_2)


def test_any_other_difference_changes_the_digest() -> None:
    first = _digest(orjson.dumps(_event(RUN_1)).decode(), RUN_1)
    assert _digest(orjson.dumps(_event(RUN_2, title="U")).decode(), RUN_2) != first
    reordered = dict(reversed(list(_event(RUN_2).items())))
    assert _digest(orjson.dumps(reordered).decode(), RUN_2) != first


def test_no_digest_when_the_run_id_member_is_not_found_once() -> None:
    nested = orjson.dumps(_event(RUN_1, extra={"sync_run_id": RUN_1})).decode()
    assert _digest(nested, RUN_1) is None
    escaped = orjson.dumps(_event(RUN_1)).decode().replace('"sync_run_id"', '"sync\\u005frun_id"')
    assert _digest(escaped, RUN_1) is None


def test_only_documents_set_from_their_own_members_are_digested() -> None:
    deleted = orjson.dumps({"type": "document_deleted", "sync_run_id": RUN_1}).decode()
    assert event_digests([deleted], ["document_deleted"], RUN_1) is None
    created = orjson.dumps(_event(RUN_1)).decode()
    digests = event_digests([deleted, created], ["document_deleted", "document_created"], RUN_1)
    assert digests is not None
    assert digests[0] is None
    assert digests[1] is not None
