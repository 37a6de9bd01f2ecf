"""Sync logic: walk the roots in a fixed order and emit what changed since the last walk.

Incremental runs compare each file's ``(mtime_ns, size)`` with the index of the previous walk,
emit new and changed files, and delete files that are gone. Full runs emit every file (and also
delete the gone ones; the manager's pruning would do it anyway). While walking, a checkpoint is
saved every ``checkpoint_every`` files, or more sparsely as the walk grows, so saving stays linear
in the tree; a resumed run continues after the last saved path (``state.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from itertools import islice

from sluice_connector_filesystem import client
from sluice_connector_filesystem.client import SNIFF_BYTES, FileEntry, sort_key
from sluice_connector_filesystem.config import FilesystemConfig
from sluice_connector_filesystem.mapping import (
    ContentKind,
    content_kind,
    decode,
    map_file,
    mime_type_of,
    permissions,
)
from sluice_connector_filesystem.state import (
    FsCheckpoint,
    Index,
    WalkProgress,
    merged,
    pack,
    unpack,
)
from sluice_sdk.connector import Connector, NoCredentials
from sluice_sdk.context import SyncContext
from sluice_sdk.errors import ConfigurationError

_WALK_BATCH = 256  # files stat-ed per hop to the worker thread


class FilesystemConnector(Connector[FilesystemConfig, NoCredentials]):
    name = "filesystem"
    display_name = "Local files"
    version = "0.1.0"
    description = "Files under local directories: text as is, documents through extraction."
    source_types = ["filesystem"]
    sync_modes = ["full", "incremental"]
    config_model = FilesystemConfig

    async def sync(self, ctx: SyncContext[FilesystemConfig, NoCredentials]) -> None:
        await _Walk(ctx).run()


class _Walk:
    def __init__(self, ctx: SyncContext[FilesystemConfig, NoCredentials]) -> None:
        self.ctx = ctx
        self.config = ctx.config
        self.full = ctx.sync_mode == "full"
        # The SDK hands a fresh full run no checkpoint (§10.7); the previous walk's index is still
        # read from the request, so that a full run also deletes the files that are gone.
        checkpoint = FsCheckpoint.load(ctx.request.checkpoint)
        self.index_packed = checkpoint.index
        self.previous: Index = unpack(checkpoint.index)
        # Walk progress is only ever saved mid-run, and a completed run's checkpoint has none, so
        # progress in a resume's checkpoint is that run's own (§7.2).
        saved = checkpoint.walk if ctx.is_resume else None
        progress = saved or WalkProgress(sync_run_id=ctx.sync_run_id)
        self.after = progress.after
        self.changed: Index = unpack(progress.changed)
        self.deleted: set[str] = set(progress.deleted)
        self.done = progress.done
        self.previous_ids = sorted(self.previous, key=sort_key)
        self.cursor = 0  # next previous id not yet matched against the walk
        if self.after is not None:
            ctx.log.info("filesystem_walk_resumed", after=self.after, done=self.done)
            after_key = sort_key(self.after)
            while (
                self.cursor < len(self.previous_ids)
                and sort_key(self.previous_ids[self.cursor]) <= after_key
            ):
                self.cursor += 1
        self.next_save = self.done + self.config.checkpoint_every

    async def run(self) -> None:
        for _, root in self.config.labelled_roots():
            if not await asyncio.to_thread(_is_dir, root):
                raise ConfigurationError(f"root is not a readable directory: {root}")
        files = client.walk(self.config)
        after_key = sort_key(self.after) if self.after is not None else None
        while batch := await asyncio.to_thread(_next_batch, files):
            for entry in batch:
                if after_key is not None and sort_key(entry.document_id) <= after_key:
                    continue
                await self._deleted_before(entry.document_id)
                await self._visit(entry)
                self.after = entry.document_id
                self.done += 1
                if self.done >= self.next_save:
                    await self._save_progress()
        await self._deleted_before(None)
        index = merged(self.previous, self.changed, self.deleted)
        self.ctx.log.info(
            "filesystem_walk_done",
            files=len(index),
            changed=len(self.changed),
            deleted=len(self.deleted),
        )
        await self.ctx.save_checkpoint(FsCheckpoint(index=pack(index)).model_dump(mode="json"))

    async def _deleted_before(self, document_id: str | None) -> None:
        """Previous files sorting before ``document_id`` (all remaining when None) are gone."""
        limit = sort_key(document_id) if document_id is not None else None
        while self.cursor < len(self.previous_ids):
            candidate = self.previous_ids[self.cursor]
            if limit is not None and sort_key(candidate) >= limit:
                if candidate == document_id:
                    self.cursor += 1
                return
            self.cursor += 1
            self.deleted.add(candidate)
            self.changed.pop(candidate, None)
            await self.ctx.emit_deleted(candidate)

    async def _visit(self, entry: FileEntry) -> None:
        ctx = self.ctx
        ctx.increment_scanned()
        fingerprint = (entry.mtime_ns, entry.size)
        before = self.previous.get(entry.document_id)
        if not self.full and before == fingerprint:
            return
        try:
            data = await asyncio.to_thread(client.read_file, entry.path)
        except OSError as exc:
            # Vanished or unreadable since the walk saw it: leave its index entry as it was.
            ctx.log.warning("filesystem_read_failed", path=entry.document_id, error=str(exc))
            return
        name = entry.path.name
        text: str | None = None
        kind = content_kind(name, data[:SNIFF_BYTES])
        if kind is ContentKind.TEXT:
            text = decode(data)
            content_id = await ctx.content.save_text(text)
        elif kind is ContentKind.EXTRACT:
            content_id = await ctx.content.save_file(data, mime_type_of(name), filename=name)
        else:
            content_id = await ctx.content.save_text("")
        doc = map_file(entry, text)
        perms = permissions(self.config)
        if before is None or self.full:
            await ctx.emit(
                doc.document_id, content_id=content_id, metadata=doc.metadata, permissions=perms
            )
        else:
            await ctx.emit_updated(
                doc.document_id, content_id=content_id, metadata=doc.metadata, permissions=perms
            )
            ctx.increment_updated()
        if before != fingerprint:
            self.changed[entry.document_id] = fingerprint

    async def _save_progress(self) -> None:
        progress = WalkProgress(
            sync_run_id=self.ctx.sync_run_id,
            after=self.after,
            changed=pack(self.changed),
            deleted=sorted(self.deleted),
            done=self.done,
        )
        checkpoint = FsCheckpoint(index=self.index_packed, walk=progress)
        await self.ctx.save_checkpoint(checkpoint.model_dump(mode="json"))
        # Geometric spacing: each save costs O(changes so far), so the total stays linear.
        self.next_save = max(self.done + self.config.checkpoint_every, int(self.done * 1.25))


def _is_dir(root: str) -> bool:
    from pathlib import Path

    return Path(root).expanduser().is_dir()


def _next_batch(files: Iterator[FileEntry]) -> list[FileEntry]:
    return list(islice(files, _WALK_BATCH))
