"""The filesystem connector's pure parts: globs, walk order, mapping, checkpoint packing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from sluice_connector_filesystem.client import sort_key, walk
from sluice_connector_filesystem.config import FilesystemConfig
from sluice_connector_filesystem.globs import directory_excluded, matches
from sluice_connector_filesystem.mapping import ContentKind, content_kind, map_file, title_of
from sluice_connector_filesystem.state import FsCheckpoint, merged, pack, unpack


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.md", "docs/guide.md", True),
        ("*.md", "guide.md", True),
        ("docs/*.md", "docs/guide.md", True),
        ("docs/*.md", "docs/api/ref.md", False),
        ("docs/**/*.md", "docs/api/ref.md", True),
        ("docs/**/*.md", "docs/ref.md", True),
        ("**/build/**", "a/build/x.txt", True),
        ("guide.?d", "guide.md", True),
        ("[!a]*.txt", "b.txt", True),
        ("[!a]*.txt", "a.txt", False),
        ("node_modules", "web/node_modules", True),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_directory_pruning_accepts_trailing_double_star() -> None:
    assert directory_excluded(["**/build/**"], "src/build")
    assert directory_excluded([".git"], ".git")
    assert not directory_excluded(["*.md"], "docs")


def _tree(root: Path) -> None:
    for rel, body in {
        "README.md": "# Sluice\n\nConnector manager.",
        "a-b.txt": "dash",
        "a/z.txt": "nested",
        "a/b/deep.md": "deep",
        ".git/config": "[core]",
        "big.log": "x" * 5000,
        "image.png": "\x89PNG\x00\x00",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode("latin-1"))


def test_walk_is_sorted_by_segments_and_applies_filters(tmp_path: Path) -> None:
    _tree(tmp_path)
    config = FilesystemConfig(roots=[str(tmp_path)], max_file_size_bytes=1000)
    ids = [e.document_id for e in walk(config)]
    assert ids == ["README.md", "a/b/deep.md", "a/z.txt", "a-b.txt", "image.png"]
    assert ids == sorted(ids, key=sort_key)
    only_md = FilesystemConfig(roots=[str(tmp_path)], include=["*.md"])
    assert [e.document_id for e in walk(only_md)] == ["README.md", "a/b/deep.md"]


def test_several_roots_prefix_ids_with_their_names(tmp_path: Path) -> None:
    for name in ("notes", "docs"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.txt").write_text(name)
    config = FilesystemConfig(roots=[str(tmp_path / "notes"), str(tmp_path / "docs")])
    assert [e.document_id for e in walk(config)] == ["docs/x.txt", "notes/x.txt"]
    with pytest.raises(ValidationError):
        FilesystemConfig(roots=[str(tmp_path / "docs"), str(tmp_path / "x" / "docs")])


def test_symlinks_are_skipped_unless_followed(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("real")
    os.symlink(tmp_path / "real.txt", tmp_path / "link.txt")
    ids = [e.document_id for e in walk(FilesystemConfig(roots=[str(tmp_path)]))]
    assert ids == ["real.txt"]
    followed = FilesystemConfig(roots=[str(tmp_path)], follow_symlinks=True)
    assert [e.document_id for e in walk(followed)] == ["link.txt", "real.txt"]


def test_mapping_of_a_markdown_file(tmp_path: Path) -> None:
    _tree(tmp_path)
    entry = next(
        e for e in walk(FilesystemConfig(roots=[str(tmp_path)])) if e.document_id == "README.md"
    )
    doc = map_file(entry, "# Sluice\n\nConnector manager.")
    assert doc.document_id == "README.md"
    assert doc.metadata.title == "Sluice"
    assert doc.metadata.mime_type == "text/markdown"
    assert doc.metadata.size == str(entry.size)
    assert doc.metadata.path == "README.md"
    assert doc.metadata.url == (tmp_path / "README.md").resolve().as_uri()
    assert doc.metadata.extra == {"extension": "md", "mtime_ns": entry.mtime_ns}


def test_content_kind() -> None:
    assert content_kind("report.pdf", b"%PDF-1.4") is ContentKind.EXTRACT
    assert content_kind("notes.md", b"\x00") is ContentKind.TEXT
    assert content_kind("Makefile", b"all:\n\techo hi\n") is ContentKind.TEXT
    assert content_kind("blob.bin", b"\x00\x01") is ContentKind.OPAQUE
    assert content_kind("page.html", b"<html>") is ContentKind.EXTRACT
    assert title_of("x.txt", "# not markdown") == "x.txt"


def test_checkpoint_packing_round_trips() -> None:
    index = {f"docs/page-{i:05d}.md": (1_700_000_000_000_000_000 + i, i) for i in range(2000)}
    packed = pack(index)
    assert unpack(packed) == index
    assert len(packed) < 40 * 2000  # far below the raw JSON
    checkpoint = FsCheckpoint.load(
        {
            "version": 1,
            "index": packed,
            "walk": {"sync_run_id": "r1", "after": "docs/page-00010.md"},
        }
    )
    assert checkpoint.walk is not None
    assert checkpoint.walk.after == "docs/page-00010.md"
    assert FsCheckpoint.load({"cursor": 3}).index == ""
    assert merged({"a": (1, 1), "b": (2, 2)}, {"c": (3, 3)}, {"a"}) == {"b": (2, 2), "c": (3, 3)}
