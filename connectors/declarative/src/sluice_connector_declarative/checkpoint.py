"""The run's checkpoint: where each stream and table stands, saved after every page or batch.

Shape (JSON, ``version`` 1)::

    {"version": 1, "sync_run_id": "run-7", "mode": "incremental", "finished": false,
     "streams": {"issues": {"done": false,
                            "page": {"url": null, "cursor": null, "offset": 100, "page": null,
                                     "pages": 2, "seen": 100},
                            "bookmark": "2026-03-01T10:00:00Z",
                            "high_water": "2026-03-04T08:12:00Z"}},
     "tables": {"public.items": {"done": false, "after": ["2026-03-04 08:12:00+00:00", "17"],
                                 "bookmark": null, "high_water": "2026-03-04 08:12:00+00:00",
                                 "rows": 500}}}

``page`` is the request still to make; ``bookmark`` the incremental value this run sends;
``high_water`` the largest cursor value seen so far (carried over from the previous run), which
becomes the next run's ``bookmark``. ``finished`` is set by the run's last save, after every
stream and table. A resumed run whose checkpoint is not finished continues at the stream, page and
batch it stopped at; any other run (a fresh one, or a resume handed the source's checkpoint of the
last completed run) starts over and keeps only the high-water marks. A fresh full run is handed no
checkpoint at all (the SDK's rule, protocol §7.2): it reads everything, so the high-water marks it
saves are rebuilt from what it read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CHECKPOINT_VERSION = 1
Mode = Literal["full", "incremental"]


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PageState(_State):
    """The next request of a stream: a URL to follow, or the operation with these page values."""

    url: str | None = None
    cursor: Any = None
    offset: int | None = None
    page: int | None = None
    pages: int = 0
    """Pages fetched so far in this run (for ``max_pages``)."""
    seen: int = 0
    """Records seen so far in this run (for ``total``)."""


class StreamState(_State):
    done: bool = False
    page: PageState | None = None
    """None before the first page: the paginator's first request."""
    bookmark: Any = None
    high_water: Any = None


class TableState(_State):
    done: bool = False
    after: list[str] | None = None
    """Ordering key of the last row read (text form), for keyset resumption."""
    bookmark: str | None = None
    high_water: str | None = None
    rows: int = 0


class RunCheckpoint(_State):
    version: int = CHECKPOINT_VERSION
    sync_run_id: str | None = None
    mode: Mode = "full"
    finished: bool = False
    resumed: bool = Field(default=False, exclude=True)
    """True when this run continues a checkpoint it left unfinished (not saved)."""
    streams: dict[str, StreamState] = Field(default_factory=dict)
    tables: dict[str, TableState] = Field(default_factory=dict)

    @classmethod
    def load(cls, value: Any) -> RunCheckpoint | None:
        """A checkpoint this runtime wrote, or None (absent, foreign or of another version)."""
        if not isinstance(value, dict) or value.get("version") != CHECKPOINT_VERSION:
            return None
        try:
            return cls.model_validate(value)
        except ValidationError:
            return None

    @classmethod
    def start(
        cls, previous: Any, *, sync_run_id: str, mode: Mode, is_resume: bool
    ) -> RunCheckpoint:
        """This run's starting state: the checkpoint it left unfinished when resuming, else a fresh
        one that keeps the previous run's high-water marks (as its bookmarks when incremental)."""
        loaded = cls.load(previous)
        if loaded is not None and is_resume and not loaded.finished:
            return loaded.model_copy(update={"sync_run_id": sync_run_id, "resumed": True})
        fresh = cls(sync_run_id=sync_run_id, mode=mode)
        if loaded is None:
            return fresh
        incremental = mode == "incremental"
        for name, stream in loaded.streams.items():
            mark = stream.high_water if stream.high_water is not None else stream.bookmark
            fresh.streams[name] = StreamState(
                bookmark=mark if incremental else None, high_water=mark
            )
        for name, table in loaded.tables.items():
            mark = table.high_water if table.high_water is not None else table.bookmark
            fresh.tables[name] = TableState(bookmark=mark if incremental else None, high_water=mark)
        return fresh

    def stream(self, name: str) -> StreamState:
        return self.streams.setdefault(name, StreamState())

    def table(self, name: str) -> TableState:
        return self.tables.setdefault(name, TableState())

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
