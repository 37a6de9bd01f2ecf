"""The checkpoint's life across runs, and incremental bookmarks (pure functions)."""

from __future__ import annotations

from sluice_connector_declarative.bookmarks import later, with_lookback
from sluice_connector_declarative.checkpoint import PageState, RunCheckpoint, StreamState


def _unfinished() -> dict[str, object]:
    checkpoint = RunCheckpoint(sync_run_id="run-1", mode="incremental")
    checkpoint.streams["issues"] = StreamState(done=True, bookmark="b0", high_water="h1")
    checkpoint.streams["comments"] = StreamState(
        page=PageState(url="https://x/c?page=3", pages=2, seen=40), bookmark="b0", high_water="h2"
    )
    return checkpoint.dump()


def test_a_resumed_run_continues_its_unfinished_checkpoint() -> None:
    resumed = RunCheckpoint.start(
        _unfinished(), sync_run_id="run-1", mode="incremental", is_resume=True
    )
    assert resumed.resumed
    assert resumed.streams["issues"].done
    assert resumed.streams["comments"].page == PageState(url="https://x/c?page=3", pages=2, seen=40)
    assert resumed.streams["comments"].bookmark == "b0"


def test_a_fresh_run_starts_over_and_takes_the_high_water_marks_as_bookmarks() -> None:
    fresh = RunCheckpoint.start(
        _unfinished(), sync_run_id="run-2", mode="incremental", is_resume=False
    )
    assert not fresh.resumed
    assert fresh.streams["issues"] == StreamState(bookmark="h1", high_water="h1")
    assert fresh.streams["comments"] == StreamState(bookmark="h2", high_water="h2")


def test_a_full_run_sends_no_bookmark_but_keeps_the_marks() -> None:
    full = RunCheckpoint.start(_unfinished(), sync_run_id="run-2", mode="full", is_resume=False)
    assert full.streams["issues"] == StreamState(bookmark=None, high_water="h1")


def test_a_resume_handed_a_finished_checkpoint_starts_over() -> None:
    finished = RunCheckpoint.model_validate({**_unfinished(), "finished": True})
    again = RunCheckpoint.start(
        finished.dump(), sync_run_id="run-3", mode="incremental", is_resume=True
    )
    assert not again.resumed
    assert again.streams["comments"].page is None


def test_foreign_or_empty_checkpoints_start_empty() -> None:
    for value in (None, {}, {"feeds": {}}, {"version": 99, "streams": {}}, "text"):
        assert (
            RunCheckpoint.start(value, sync_run_id="r", mode="full", is_resume=True).streams == {}
        )


def test_the_checkpoint_is_plain_json_without_the_resumed_flag() -> None:
    dumped = RunCheckpoint.start(
        _unfinished(), sync_run_id="run-1", mode="incremental", is_resume=True
    ).dump()
    assert "resumed" not in dumped
    assert dumped["version"] == 1
    assert dumped["streams"]["comments"]["page"]["url"] == "https://x/c?page=3"


def test_later_compares_timestamps_as_instants_and_numbers_as_numbers() -> None:
    assert later("2026-03-04T10:00:00+01:00", "2026-03-04T09:30:00Z") == "2026-03-04T09:30:00Z"
    assert later("2026-03-04T09:30:00Z", "2026-03-04T10:00:00+01:00") == "2026-03-04T09:30:00Z"
    assert later(9, 10) == 10
    assert later(None, "a") == "a"
    assert later("b", None) == "b"
    assert later("abc", "abd") == "abd"


def test_lookback_keeps_the_spelling_of_the_bookmark() -> None:
    assert with_lookback("2026-03-04T10:00:00Z", 60) == "2026-03-04T09:59:00Z"
    assert with_lookback("2026-03-04T10:00:00+01:00", 3600) == "2026-03-04T09:00:00+01:00"
    assert with_lookback("2026-03-04T10:00:00", 1) == "2026-03-04T09:59:59"
    assert with_lookback(1772618400, 100) == 1772618300
    assert with_lookback(1772618400000, 1) == 1772618399000
    assert with_lookback("1772618400", 100) == "1772618300"
    assert with_lookback("v17", 100) == "v17"
    assert with_lookback("2026-03-04T10:00:00Z", 0) == "2026-03-04T10:00:00Z"
