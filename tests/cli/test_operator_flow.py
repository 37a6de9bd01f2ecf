"""An operator's day through the ``sluice`` command: a real manager, indexer and filesystem
connector as processes, a real Postgres, and the installed console script as operators run it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.chaos.harness import eventually
from tests.cli.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHRASE = "the heron waits beside the sluice gate"


async def test_connectors_sources_runs_documents_and_search(stack: Stack, tmp_path: Path) -> None:
    await stack.procs.indexer()
    await stack.start_filesystem_connector()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "heron.md").write_text(f"# Heron\n\nAt dawn {PHRASE}, still as a post.\n")
    (docs / "other.txt").write_text("Nothing to see here.\n")

    # connectors: a table, and the API's JSON.
    shown = await stack.run("connectors")
    assert shown.code == 0, shown.err
    row = next(line for line in shown.out.splitlines() if line.lstrip().startswith("filesystem"))
    assert "online" in row
    assert [c["connector_id"] for c in (await stack.run("connectors", "--json")).json()] == [
        "filesystem"
    ]

    # sources create, with the config inline; list; update with the config from a file.
    created = await stack.run(
        "sources", "create", "--type", "filesystem", "--name", "Field notes",
        "--config", json.dumps({"roots": [str(tmp_path / "elsewhere")]}),
        "--interval", "86400", "--disable", "--json",
    )  # fmt: skip
    source = created.json()
    assert (source["name"], source["source_type"]) == ("Field notes", "filesystem")
    assert (source["sync_interval_seconds"], source["is_active"]) == (86400, False)
    source_id = source["id"]
    listed = await stack.run("sources", "list")
    assert listed.code == 0, listed.err
    assert any(source_id in line and "Field notes" in line for line in listed.out.splitlines())
    assert [s["id"] for s in (await stack.run("sources", "list", "--json")).json()] == [source_id]

    config = tmp_path / "config.json"
    config.write_text(json.dumps({"roots": [str(docs)]}))
    updated = await stack.run(
        "sources", "update", source_id, "--name", "Heron notes", "--config", f"@{config}",
        "--cron", "0 3 * * *", "--json",
    )  # fmt: skip
    changed = updated.json()
    assert changed["name"] == "Heron notes"
    assert changed["config"]["roots"] == [str(docs)]
    assert (changed["sync_cron"], changed["sync_interval_seconds"]) == ("0 3 * * *", None)
    # Synced only when asked from here on, so that no scheduled run mixes with the ones below.
    enabled = await stack.run("sources", "update", source_id, "--enable", "--manual")
    assert enabled.out == f"source {source_id} updated (Heron notes, filesystem)\n", enabled.err
    shown_source = (await stack.run("sources", "get", source_id, "--json")).json()
    assert shown_source["is_active"] is True
    assert (shown_source["sync_cron"], shown_source["sync_interval_seconds"]) == (None, None)

    # sync, then follow the run to its end: the SSE stream drives the progress bar.
    started = await stack.run("sources", "sync", source_id, "--full")
    assert started.code == 0, started.err
    assert started.out.startswith("full sync started: run ")
    run_id = started.out.split()[-1]
    followed = await stack.run("runs", "--source", source_id, "--follow")
    assert followed.code == 0, followed.err + stack.procs.dump()
    assert f"run {run_id} completed: scanned 2" in followed.out

    # an incremental one followed as JSON lines: each is the API's RunView.
    again = await stack.run("sources", "sync", source_id, "--incremental", "--follow", "--json")
    assert again.code == 0, again.err
    events = [json.loads(line) for line in again.out.splitlines()]
    assert events[-1]["status"] == "completed"
    assert events[-1]["sync_type"] == "incremental"
    runs = (await stack.run("runs", "--source", source_id, "--json")).json()
    assert [r["sync_type"] for r in runs] == ["incremental", "full"]
    one = await stack.run("runs", run_id)
    assert any(line.split() == ["status", "completed"] for line in one.out.splitlines()), one.out

    # search once the indexer has the document; then read it.
    async def indexed() -> bool:
        count = await stack.pool.fetchval(
            "SELECT count(*) FROM documents WHERE source_id = $1", source_id
        )
        return bool(count == 2)

    await eventually(indexed, 60, "the indexer to index both files", stack.procs)
    found = (await stack.run("search", "heron sluice gate", "--json")).json()
    [hit] = found["results"]
    assert hit["external_id"] == "heron.md"
    text = await stack.run("search", "heron sluice gate")
    assert text.code == 0, text.err
    assert text.out.splitlines()[0].startswith("1. ")
    assert f"document {hit['document_id']}" in text.out
    document = await stack.run("documents", "get", str(hit["document_id"]))
    assert document.code == 0, document.err
    assert PHRASE in document.out
    as_json = (await stack.run("documents", "get", str(hit["document_id"]), "--json")).json()
    assert PHRASE in as_json["content"]
    missing = await stack.run("documents", "get", "999999")
    assert (missing.code, missing.err) == (
        1,
        "documents get failed: HTTP 404: document 999999 not found\n",
    )

    # delete: gone from the listing.
    deleted = await stack.run("sources", "delete", source_id)
    assert deleted.out == f"source {source_id} deleted\n", deleted.err
    assert (await stack.run("sources", "list", "--json")).json() == []
    gone = await stack.run("sources", "get", source_id)
    assert gone.code == 1
    assert gone.err.startswith("sources get failed: HTTP 404: ")


async def test_a_refused_request_is_one_line_and_exit_1(stack: Stack, tmp_path: Path) -> None:
    bad = await stack.run(
        "sources", "create", "--type", "filesystem", "--name", "x", "--config", "{}",
        "--interval", "5",
    )  # fmt: skip
    assert bad.code == 1
    assert bad.err.startswith("sources create failed: HTTP 4")
    assert "Traceback" not in bad.err
    assert len(bad.err.splitlines()) == 1
    not_json = await stack.run("sources", "create", "--type", "t", "--name", "x", "--config", "[")
    assert not_json.code == 2
    assert "--config" in not_json.err
    assert "not JSON" in not_json.err
