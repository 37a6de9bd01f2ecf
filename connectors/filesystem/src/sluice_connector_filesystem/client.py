"""Reading the source: a deterministic walk of the root directories, and file contents.

Blocking filesystem calls; the connector runs them in a worker thread. The walk yields files in
``sort_key`` order (path segments compared one by one), the order checkpoints and the previous
file index use, so a resumed walk can continue after the last checkpointed path.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sluice_connector_filesystem.config import FilesystemConfig
from sluice_connector_filesystem.globs import any_match, directory_excluded

# Bytes read to decide whether an unknown file is text.
SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class FileEntry:
    document_id: str  # path relative to the root, '/'-separated, prefixed by the root's label
    relative_path: str  # path relative to the root
    path: Path
    size: int
    mtime_ns: int


def sort_key(document_id: str) -> tuple[str, ...]:
    return tuple(document_id.split("/"))


def walk(config: FilesystemConfig) -> Iterator[FileEntry]:
    """Every file of every root that passes the globs and the size limit, in sort_key order."""
    for label, root in config.labelled_roots():
        base = Path(root).expanduser().resolve()
        if not base.is_dir():
            raise NotADirectoryError(root)
        prefix = f"{label}/" if label else ""
        yield from _walk_dir(config, base, "", prefix)


def _walk_dir(
    config: FilesystemConfig, directory: Path, rel: str, prefix: str
) -> Iterator[FileEntry]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return  # unreadable or vanished directory: its files are simply not there
    for entry in entries:
        child_rel = f"{rel}{entry.name}"
        try:
            info = entry.stat(follow_symlinks=config.follow_symlinks)
        except OSError:
            continue
        if entry.is_symlink() and not config.follow_symlinks:
            continue
        if stat.S_ISDIR(info.st_mode):
            if not directory_excluded(config.exclude, child_rel):
                yield from _walk_dir(config, Path(entry.path), child_rel + "/", prefix)
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if any_match(config.exclude, child_rel) or not any_match(config.include, child_rel):
            continue
        if info.st_size > config.max_file_size_bytes:
            continue
        yield FileEntry(
            document_id=prefix + child_rel,
            relative_path=child_rel,
            path=Path(entry.path),
            size=info.st_size,
            mtime_ns=info.st_mtime_ns,
        )


def read_file(path: Path) -> bytes:
    return path.read_bytes()
