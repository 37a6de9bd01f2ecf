"""The checkpoint: the file index of the last complete walk, and the progress of the current one.

Shape (JSON): ``{"version": 1, "index": <packed>, "walk": null | {"sync_run_id", "after",
"changed": <packed>, "deleted": [ids], "done": n}}``. The index maps document id → ``[mtime_ns,
size]`` and is packed (JSON, zlib, base64): sorted paths share long prefixes and compress about
tenfold, so ~100,000 files stay well inside the manager's 4 MiB state limit.

A walk in progress stores only what differs from the index (``changed``, ``deleted``) and the last
path it finished (``after``): saving it costs in proportion to what changed, not to the tree.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Fingerprint = tuple[int, int]  # (mtime_ns, size)
Index = dict[str, Fingerprint]


def pack(index: Index) -> str:
    raw = json.dumps({k: list(v) for k, v in sorted(index.items())}, separators=(",", ":"))
    return base64.b64encode(zlib.compress(raw.encode(), 6)).decode("ascii")


def unpack(packed: str) -> Index:
    if not packed:
        return {}
    data = json.loads(zlib.decompress(base64.b64decode(packed)))
    return {k: (int(v[0]), int(v[1])) for k, v in data.items()}


class WalkProgress(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sync_run_id: str
    after: str | None = None
    changed: str = ""
    deleted: list[str] = Field(default_factory=list)
    done: int = 0


class FsCheckpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = 1
    index: str = ""
    walk: WalkProgress | None = None

    @classmethod
    def load(cls, value: Any) -> FsCheckpoint:
        """The checkpoint from a SyncRequest; anything unrecognisable starts from scratch."""
        if not isinstance(value, dict) or value.get("version") != 1:
            return cls()
        return cls.model_validate(value)


def merged(previous: Index, changed: Index, deleted: set[str]) -> Index:
    index = {k: v for k, v in previous.items() if k not in deleted}
    index.update(changed)
    return index
