"""A connector for chaos tests, built with the SDK: emits ``documents`` documents slowly and saves
a checkpoint every ``checkpoint_every`` documents, so it can be killed mid-sync and resumed.

Each sync start is appended to the JSON-lines file named by ``CHAOS_LOG``, so a test can see what
the manager sent (run id, ``is_resume``, checkpoint).

    CHAOS_LOG=x.jsonl SLUICE_MANAGER_URL=... python -m tests.chaos.chaos_connector
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import BaseModel

from sluice_sdk import Connector, NoCredentials, SyncContext


class ChaosConfig(BaseModel):
    documents: int = 30
    delay: float = 0.1
    checkpoint_every: int = 5


def document_ids(count: int) -> set[str]:
    return {f"doc-{i:04d}" for i in range(count)}


class ChaosConnector(Connector[ChaosConfig, NoCredentials]):
    name = "chaos"
    version = "1.0.0"
    source_types = ["chaos"]
    sync_modes = ["full"]
    config_model = ChaosConfig

    async def sync(self, ctx: SyncContext[ChaosConfig, NoCredentials]) -> None:
        _record(
            {
                "pid": os.getpid(),
                "sync_run_id": ctx.sync_run_id,
                "is_resume": ctx.is_resume,
                "checkpoint": ctx.checkpoint,
            }
        )
        config = ctx.config
        start = int((ctx.checkpoint or {}).get("next", 0))
        for i in range(start, config.documents):
            doc_id = f"doc-{i:04d}"
            await ctx.emit(doc_id, text=f"chaos document {i}", metadata={"title": doc_id})
            if (i + 1) % config.checkpoint_every == 0:
                await ctx.save_checkpoint({"next": i + 1})
            await ctx.sleep(config.delay)
        # Returning completes the run (the SDK's §3.7 item 6).


def _record(entry: dict[str, Any]) -> None:
    path = os.environ.get("CHAOS_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


if __name__ == "__main__":
    ChaosConnector().serve(
        registration_interval=float(os.environ.get("CHAOS_REGISTRATION_INTERVAL", "1")),
    )
