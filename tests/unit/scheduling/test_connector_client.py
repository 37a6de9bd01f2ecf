"""The §3.3 reply table and the SyncRequest on the wire, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from sluice_manager.connector_client import DispatchKind, classify_dispatch_reply, sync_request_body
from sluice_manager.runs.dispatch import build_sync_request


@pytest.mark.parametrize(
    "body",
    [b'{"status": "started", "message": null}', b'{"status": "already_running"}'],
)
@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_with_string_status_is_accepted(status: int, body: bytes) -> None:
    outcome = classify_dispatch_reply(status, body)
    assert outcome.accepted
    assert outcome.error_message is None


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"", "Connector rejected dispatch: HTTP 200: "),
        (200, b"[]", "Connector rejected dispatch: HTTP 200: []"),
        (200, b'{"status": null}', 'Connector rejected dispatch: HTTP 200: {"status": null}'),
        (409, b"busy", "Connector rejected dispatch: HTTP 409: busy"),
        (503, "é".encode() * 600, "Connector rejected dispatch: HTTP 503: " + "é" * 500),
        (500, b"\xff\xfe", "Connector rejected dispatch: HTTP 500: \ufffd\ufffd"),
    ],
)
def test_everything_else_is_rejected_with_the_normative_message(
    status: int, body: bytes, message: str
) -> None:
    outcome = classify_dispatch_reply(status, body)
    assert outcome.kind is DispatchKind.REJECTED
    assert outcome.error_message == message
    assert outcome.not_found is (status == 404)
    assert outcome.busy is (status == 409)


def test_404_is_marked_for_the_realtime_rule() -> None:
    assert classify_dispatch_reply(404, b"{}").not_found


def test_fresh_request_omits_null_checkpoint_and_is_resume() -> None:
    request = build_sync_request(
        run_id="r1",
        source_id="s1",
        sync_type="full",
        checkpoint=None,
        last_success=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        is_resume=False,
    )
    assert orjson.loads(sync_request_body(request)) == {
        "sync_run_id": "r1",
        "source_id": "s1",
        "sync_mode": "full",
    }


def test_resume_request_carries_checkpoint_last_sync_at_and_is_resume() -> None:
    checkpoint = {"cursor": None, "pages": [1, 2]}
    request = build_sync_request(
        run_id="r1",
        source_id="s1",
        sync_type="incremental",
        checkpoint=checkpoint,
        last_success=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        is_resume=True,
    )
    assert orjson.loads(sync_request_body(request)) == {
        "sync_run_id": "r1",
        "source_id": "s1",
        "sync_mode": "incremental",
        "last_sync_at": "2026-01-02T03:04:05.000006Z",
        # Nulls inside the checkpoint are part of its value and stay.
        "checkpoint": checkpoint,
        "is_resume": True,
    }


def test_falsy_checkpoints_other_than_null_are_sent() -> None:
    for value in (0, False, "", [], {}):
        request = build_sync_request(
            run_id="r",
            source_id="s",
            sync_type="full",
            checkpoint=value,
            last_success=None,
            is_resume=True,
        )
        assert orjson.loads(sync_request_body(request))["checkpoint"] == value
