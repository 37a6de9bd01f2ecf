"""The filesystem connector over a real directory tree, through the SDK test kit."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from sluice_connector_filesystem.connector import FilesystemConnector
from sluice_connector_filesystem.state import FsCheckpoint, unpack
from sluice_sdk.connector import Connector
from sluice_sdk.testing import SMALL_BATCHES, ConnectorConformance, ConnectorHarness

EXTRACTION = Path(__file__).parents[2] / "fixtures" / "extraction"


def make_tree(root: Path) -> None:
    (root / "docs" / "guide").mkdir(parents=True)
    (root / "README.md").write_text("# Sluice\n\nA connector manager.\n")
    (root / "docs" / "index.md").write_text("# Documentation\n\nStart here.\n")
    (root / "docs" / "guide" / "install.md").write_text("# Install\n\npip install sluice\n")
    (root / "notes.txt").write_text("plain notes")
    shutil.copy(EXTRACTION / "quarterly-report.pdf", root / "docs" / "report.pdf")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main")


def touch(path: Path, text: str, *, bump: int = 10) -> None:
    path.write_text(text)
    stat = path.stat()
    # Same-second writes: move the mtime on explicitly so the change is visible.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    make_tree(root)
    return root


class TestFilesystemConformance(ConnectorConformance):
    min_documents = 5

    @pytest.fixture(autouse=True)
    def _tree(self, tree: Path) -> None:
        self.root = tree

    def make_connector(self) -> Connector[Any, Any]:
        return FilesystemConnector()

    def source_config(self) -> dict[str, Any]:
        return {"roots": [str(self.root)], "checkpoint_every": 2}


async def test_full_sync_emits_every_file_with_metadata(tree: Path) -> None:
    async with ConnectorHarness(FilesystemConnector()) as harness:
        source = harness.add_source(config={"roots": [str(tree)]})
        result = await harness.sync(source, "full")
        contents = harness.fake.contents
        extractions = harness.fake.extractions
    assert result.status == "completed", result.error
    assert result.document_ids == [
        "README.md",
        "docs/guide/install.md",
        "docs/index.md",
        "docs/report.pdf",
        "logo.png",
        "notes.txt",
    ]
    readme = result.events[0]
    assert readme["metadata"]["title"] == "Sluice"
    assert readme["metadata"]["path"] == "README.md"
    assert readme["metadata"]["mime_type"] == "text/markdown"
    assert readme["metadata"]["size"] == str((tree / "README.md").stat().st_size)
    assert readme["permissions"] == {"public": True, "users": [], "groups": []}
    assert contents[readme["content_id"]] == "# Sluice\n\nA connector manager.\n"
    # Binary documents go through the manager's extraction, as the Omni layout.
    assert len(extractions) == 1
    assert extractions[0]["mime_type"] == "application/pdf"
    assert extractions[0]["filename"] == "report.pdf"
    assert extractions[0]["data"] == (tree / "docs" / "report.pdf").read_bytes()
    # Other binaries are not uploaded: empty text, found by name and path.
    logo = next(e for e in result.events if e["document_id"] == "logo.png")
    assert contents[logo["content_id"]] == ""
    assert logo["metadata"]["mime_type"] == "image/png"


async def test_full_run_lists_every_file_and_deletes_the_gone_ones(tree: Path) -> None:
    """A fresh full run starts from no checkpoint (the SDK, §10.7) and emits every file; the last
    walk's index, which it reads from the request, still says which files are gone."""
    async with ConnectorHarness(FilesystemConnector()) as harness:
        source = harness.add_source(config={"roots": [str(tree)]})
        first = await harness.sync(source, "full")
        (tree / "notes.txt").unlink()
        again = await harness.sync(source, "full", checkpoint=first.run.checkpoint)
    assert again.status == "completed", again.error
    events = sorted((e["type"], e["document_id"]) for e in again.events)
    assert events == sorted(
        [
            *(("document_created", d) for d in first.document_ids if d != "notes.txt"),
            ("document_deleted", "notes.txt"),
        ]
    )


async def test_incremental_emits_changes_and_deletions_only(tree: Path) -> None:
    async with ConnectorHarness(FilesystemConnector()) as harness:
        source = harness.add_source(config={"roots": [str(tree)]})
        first = await harness.sync(source, "full")

        quiet = await harness.sync(source, "incremental", checkpoint=first.run.checkpoint)
        assert quiet.status == "completed"
        assert quiet.events == []
        assert quiet.run.scanned == 6

        touch(tree / "docs" / "index.md", "# Documentation\n\nStart here, then install.\n")
        (tree / "docs" / "faq.md").write_text("# FAQ\n")
        (tree / "notes.txt").unlink()
        shutil.rmtree(tree / "docs" / "guide")
        changed = await harness.sync(source, "incremental", checkpoint=quiet.run.checkpoint)
        contents = harness.fake.contents
    assert changed.status == "completed", changed.error
    events = [(e["type"], e["document_id"]) for e in changed.events]
    assert events == [
        ("document_created", "docs/faq.md"),
        ("document_deleted", "docs/guide/install.md"),
        ("document_updated", "docs/index.md"),
        ("document_deleted", "notes.txt"),
    ]
    assert "then install" in contents[changed.events[2]["content_id"]]
    index = unpack(FsCheckpoint.load(changed.run.checkpoint).index)
    assert sorted(index) == [
        "README.md",
        "docs/faq.md",
        "docs/index.md",
        "docs/report.pdf",
        "logo.png",
    ]


async def test_resume_continues_after_the_last_checkpointed_path(tree: Path) -> None:
    for i in range(6):
        (tree / f"extra-{i}.txt").write_text(f"extra {i}")
    config = {"roots": [str(tree)], "checkpoint_every": 3}
    async with ConnectorHarness(FilesystemConnector(), flush_policies=SMALL_BATCHES) as harness:
        source = harness.add_source(config=config)
        first = await harness.sync(source, "full")
        mid = first.checkpoints[0]
        assert mid["walk"]["after"] == first.document_ids[2]
        resumed = await harness.sync(source, "full", checkpoint=mid, is_resume=True)
    assert resumed.status == "completed"
    # Nothing at or before the checkpointed path is read again.
    assert resumed.document_ids == first.document_ids[3:]
    final = FsCheckpoint.load(resumed.run.checkpoint)
    assert final.walk is None
    assert len(unpack(final.index)) == len(first.document_ids)


async def test_resumed_incremental_keeps_deletions_seen_before_the_restart(tree: Path) -> None:
    config = {"roots": [str(tree)], "checkpoint_every": 1}
    async with ConnectorHarness(FilesystemConnector(), flush_policies=SMALL_BATCHES) as harness:
        source = harness.add_source(config=config)
        full = await harness.sync(source, "full")
        (tree / "README.md").unlink()
        (tree / "docs" / "guide" / "install.md").unlink()
        first = await harness.sync(source, "incremental", checkpoint=full.run.checkpoint)
        mid = first.checkpoints[0]
        resumed = await harness.sync(source, "incremental", checkpoint=mid, is_resume=True)
    assert resumed.status == "completed"
    index = unpack(FsCheckpoint.load(resumed.run.checkpoint).index)
    assert sorted(index) == ["docs/index.md", "docs/report.pdf", "logo.png", "notes.txt"]


async def test_a_missing_root_is_a_configuration_error(tmp_path: Path) -> None:
    async with ConnectorHarness(FilesystemConnector()) as harness:
        source = harness.add_source(config={"roots": [str(tmp_path / "nowhere")]})
        result = await harness.sync(source, "full")
    assert result.status == "failed"
    assert (result.error or "").startswith("configuration:")


async def test_an_invalid_config_is_a_configuration_error() -> None:
    async with ConnectorHarness(FilesystemConnector()) as harness:
        result = await harness.sync(harness.add_source(config={"roots": []}), "full")
    assert result.status == "failed"
    assert (result.error or "").startswith("configuration:")


async def test_demo_config_indexes_readme_and_docs_only(tmp_path: Path) -> None:
    from sluice_connector_filesystem.demo import demo_config

    (tmp_path / "docs" / "api").mkdir(parents=True)
    (tmp_path / "README.md").write_text("# Project\n")
    (tmp_path / "docs" / "architecture.md").write_text("# Architecture\n")
    (tmp_path / "docs" / "api" / "protocol.md").write_text("# Protocol\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "README.md").write_text("# Tests\n")
    (tmp_path / "setup.py").write_text("print()")
    async with ConnectorHarness(FilesystemConnector()) as harness:
        result = await harness.sync(harness.add_source(config=demo_config(tmp_path)), "full")
    assert result.document_ids == ["README.md", "docs/api/protocol.md", "docs/architecture.md"]
