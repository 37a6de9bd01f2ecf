"""A database connector's sync: each table of ``database_config`` read in batches, a row a document.

* Tables: ``database_config.tables`` (``name`` in ``default_schema``, or ``schema.name``); when
  empty, every base table of ``default_schema`` the connecting role can see.
* Document id ``<table>:<key>``: the table as listed (``schema.table`` outside the default
  schema), the key the values of ``sync.database.primary_key`` (default: the table's primary
  key) joined by ``,``. Text: ``column: value`` lines of ``text_columns`` (default: every column).
* Incremental: a table that has ``sync.database.cursor_column`` is read from the previous run's
  largest value of that column on (inclusive), ordered by it; other tables are read whole.
* A checkpoint after every batch holds the last row's ordering key, so a resumed run reads on
  after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from sluice_connector_declarative.bookmarks import later
from sluice_connector_declarative.checkpoint import RunCheckpoint
from sluice_connector_declarative.database.adapters import (
    DatabaseAdapter,
    ReadPlan,
    Row,
    TableInfo,
    key_text,
)
from sluice_connector_declarative.mapping import MAX_DOCUMENT_ID, MappedDocument
from sluice_descriptor.functions import text_of
from sluice_descriptor.model import DatabaseConfig
from sluice_descriptor.sync import DatabaseSync
from sluice_sdk.context import SyncContext
from sluice_sdk.errors import ConfigurationError
from sluice_sdk.models import DocumentMetadata

DEFAULT_BATCH_SIZE = 500
ROW_CONTENT_TYPE = "database_row"


def listed_tables(config: DatabaseConfig) -> list[tuple[str, str]]:
    """``(schema, table)`` of each table the descriptor lists."""
    found = []
    for entry in config.tables:
        schema, dot, table = entry.partition(".")
        found.append((schema, table) if dot else (config.default_schema, entry))
    return found


def table_label(config: DatabaseConfig, table: TableInfo) -> str:
    return table.name if table.schema == config.default_schema else table.label


def value_text(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return text_of(value)


def row_document(
    label: str,
    table: TableInfo,
    row: Mapping[str, Any],
    *,
    key: tuple[str, ...],
    spec: DatabaseSync,
    cursor_column: str | None,
) -> MappedDocument:
    """Pure: one row → its document."""
    identifier = f"{label}:{','.join(key_text(row[column]) for column in key)}"[:MAX_DOCUMENT_ID]
    columns = spec.text_columns or [column.name for column in table.columns]
    text = "\n".join(
        f"{column}: {value_text(row[column])}" for column in columns if row.get(column) is not None
    )
    title_value = row.get(spec.title_column) if spec.title_column else None
    title = value_text(title_value) if title_value is not None else identifier
    stamp = row.get(cursor_column) if cursor_column else None
    updated = stamp if isinstance(stamp, datetime) else None
    if updated is not None and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    metadata = DocumentMetadata(
        title=title,
        updated_at=updated,
        content_type=ROW_CONTENT_TYPE,
        mime_type="text/plain",
        size=str(len(text.encode())),
        path=f"{label}/{identifier.split(':', 1)[1]}",
    )
    return MappedDocument(identifier, text, metadata, None, {"table": label})


class TableSync:
    """Reads one table to its end for one run, a checkpoint after every batch."""

    def __init__(
        self,
        ctx: SyncContext[Any, Any],
        adapter: DatabaseAdapter,
        table: TableInfo,
        *,
        label: str,
        spec: DatabaseSync,
        checkpoint: RunCheckpoint,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.ctx = ctx
        self.adapter = adapter
        self.table = table
        self.label = label
        self.spec = spec
        self.checkpoint = checkpoint
        self.state = checkpoint.table(label)
        self.batch_size = batch_size
        self.key = tuple(spec.primary_key or table.primary_key)
        cursor = spec.cursor_column
        self.cursor_column = cursor if cursor and table.column(cursor) else None
        self.log = ctx.log.bind(table=label)

    def plan(self) -> ReadPlan:
        since = self.state.bookmark if self.cursor_column else None
        # Incremental reads go in cursor order (the last batch holds the largest value);
        # whole reads in key order, which needs no index on the cursor column.
        order = (self.cursor_column, *self.key) if since and self.cursor_column else self.key
        return ReadPlan(
            table=self.table,
            order=tuple(dict.fromkeys(order)),
            cursor_column=self.cursor_column,
            since=since,
            after=tuple(self.state.after) if self.state.after else None,
            batch_size=self.batch_size,
        )

    async def run(self) -> None:
        if self.state.done:
            self.log.info("table_skipped_done")
            return
        plan = self.plan()
        self.log.info("table_started", since=plan.since, after=plan.after)
        async with aclosing(self.adapter.read(plan)) as batches:
            async for batch in batches:
                await self._emit_batch(batch, plan.order)
        self.state.done = True
        self.state.after = None
        await self.ctx.save_checkpoint(self.checkpoint.dump())
        self.log.info("table_finished", rows=self.state.rows, high_water=self.state.high_water)

    async def _emit_batch(self, batch: list[Row], order: tuple[str, ...]) -> None:
        for row in batch:
            doc = row_document(
                self.label,
                self.table,
                row,
                key=self.key,
                spec=self.spec,
                cursor_column=self.cursor_column,
            )
            await self.ctx.emit(
                doc.document_id,
                text=doc.text,
                metadata=doc.metadata,
                attributes=doc.attributes,
            )
        if self.cursor_column is not None:
            stamps = [
                row[self.cursor_column] for row in batch if row[self.cursor_column] is not None
            ]
            if stamps:
                self.state.high_water = later(self.state.high_water, key_text(max(stamps)))
        self.state.after = [key_text(batch[-1][column]) for column in order]
        self.state.rows += len(batch)
        self.ctx.increment_scanned(len(batch))
        self.log.info("table_batch", rows=len(batch), after=self.state.after)
        await self.ctx.save_checkpoint(self.checkpoint.dump())


async def sync_tables(
    ctx: SyncContext[Any, Any],
    adapter: DatabaseAdapter,
    config: DatabaseConfig,
    spec: DatabaseSync,
    checkpoint: RunCheckpoint,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> None:
    explicit = bool(config.tables)
    names = (
        listed_tables(config)
        if explicit
        else [(config.default_schema, t) for t in await adapter.list_tables(config.default_schema)]
    )
    for schema, name in names:
        table = await adapter.describe(schema, name)
        problem = (
            f"database table {schema}.{name} does not exist or is not visible"
            if table is None
            else _unusable(table, spec)
        )
        if table is None or problem is not None:
            if explicit:
                raise ConfigurationError(problem)
            ctx.log.warning("table_skipped", table=f"{schema}.{name}", reason=problem)
            continue
        label = table_label(config, table)
        await TableSync(
            ctx,
            adapter,
            table,
            label=label,
            spec=spec,
            checkpoint=checkpoint,
            batch_size=batch_size,
        ).run()


def _unusable(table: TableInfo, spec: DatabaseSync) -> str | None:
    name = table.label
    key = spec.primary_key or table.primary_key
    if not key:
        return f"database table {name} has no primary key: set sync.database.primary_key"
    missing = [column for column in key if table.column(column) is None]
    if missing:
        return f"database table {name} has no column {', '.join(missing)} (primary_key)"
    return None
