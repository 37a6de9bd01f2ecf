"""One stream of ``sync.streams``: pages fetched one at a time, records emitted as they are read,
the checkpoint saved after every page.

Pages are streamed: a page's records are mapped and emitted while the page is held, and nothing
of a page is kept once the next is asked for, so memory stays flat however many records a stream
has. A stream whose state says ``done`` (a resumed run) is skipped; one with a ``page`` continues
from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluice_connector_declarative.bookmarks import later, with_lookback
from sluice_connector_declarative.checkpoint import PageState, RunCheckpoint, StreamState
from sluice_connector_declarative.mapping import CompiledMapping, MappingError
from sluice_connector_declarative.pagination import (
    FetchedPage,
    first_state,
    next_state,
    page_parameters,
)
from sluice_connector_declarative.records import is_deleted, lookup, select_records
from sluice_descriptor.client.api import ApiClient
from sluice_descriptor.client.transport import ApiResponse
from sluice_descriptor.sync import Stream
from sluice_descriptor.templates import Template
from sluice_sdk.context import SyncContext


def config_context(config: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """Template context of stream parameters and bookmark formats: the source config's keys as
    root names and under ``config``."""
    return {**config, "config": dict(config), **extra}


def fixed_parameters(stream: Stream, config: Mapping[str, Any]) -> dict[str, Any]:
    """The stream's own parameter values; strings are templates over the source config."""
    ctx = config_context(config)
    return {
        name: Template.parse(value).evaluate(ctx) if isinstance(value, str) else value
        for name, value in stream.parameters.items()
    }


def incremental_parameters(
    stream: Stream, bookmark: Any, config: Mapping[str, Any]
) -> dict[str, Any]:
    """The bookmark as the stream's incremental parameter (none without a bookmark)."""
    spec = stream.incremental
    if spec is None or bookmark is None:
        return {}
    value = with_lookback(bookmark, spec.lookback_seconds)
    if spec.format:
        value = Template.parse(spec.format).evaluate(config_context(config, bookmark=value))
    return {spec.parameter: value}


class StreamSync:
    """Runs one stream to its end (or to the run's cancellation) for one run."""

    def __init__(
        self,
        ctx: SyncContext[Any, Any],
        client: ApiClient,
        stream: Stream,
        checkpoint: RunCheckpoint,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.stream = stream
        self.checkpoint = checkpoint
        self.state: StreamState = checkpoint.stream(stream.name)
        self.config: Mapping[str, Any] = client.config
        self.mapping = CompiledMapping(stream.document, config=self.config, stream=stream.name)
        self.log = ctx.log.bind(stream=stream.name)

    async def run(self) -> None:
        if self.state.done:
            self.log.info("stream_skipped_done")
            return
        page: PageState | None = self.state.page or first_state(self.stream.pagination)
        self.log.info("stream_started", bookmark=self.state.bookmark, state=_page_log(page))
        while page is not None:
            response = await self._fetch(page)
            records = await self._emit_page(response.body)
            fetched = FetchedPage(response.body, response.headers, response.url, records)
            following = next_state(self.stream.pagination, page, fetched)
            self.state.page = following
            self.state.done = following is None
            await self.ctx.save_checkpoint(self.checkpoint.dump())
            # Logged once checkpointed: a run killed after this line resumes after this page.
            self.log.info(
                "stream_page",
                page=page.pages + 1,
                records=records,
                state=_page_log(page),
                next_state=_page_log(following),
                done=self.state.done,
            )
            page = following
        self.log.info("stream_finished", high_water=self.state.high_water)

    async def _fetch(self, page: PageState) -> ApiResponse:
        operation_id = self.stream.operation_id
        if page.url is not None:
            return await self.client.get_url(page.url, operation_id)
        params = {
            **fixed_parameters(self.stream, self.config),
            **incremental_parameters(self.stream, self.state.bookmark, self.config),
            **page_parameters(self.stream.pagination, page),
        }
        return await self.client.call(operation_id, params)

    async def _emit_page(self, body: Any) -> int:
        """Emit every record of the page as it is read; the number of records."""
        count = 0
        cursor_field = self.stream.incremental.cursor_field if self.stream.incremental else None
        for record in select_records(self.stream.records, body):
            count += 1
            if cursor_field is not None:
                self.state.high_water = later(self.state.high_water, lookup(record, cursor_field))
            await self._emit_record(record)
        self.ctx.increment_scanned(count)
        return count

    async def _emit_record(self, record: Any) -> None:
        try:
            if is_deleted(self.stream.deleted, record):
                await self.ctx.emit_deleted(self.mapping.document_id(record))
                return
            doc = self.mapping.map(record)
        except MappingError as exc:
            self.log.warning("record_skipped", reason=str(exc))
            return
        await self.ctx.emit(
            doc.document_id,
            text=doc.text,
            metadata=doc.metadata,
            permissions=doc.permissions,
            attributes=doc.attributes,
        )


def _page_log(page: PageState | None) -> dict[str, Any] | None:
    """A page state as logged: the request it stands for (what a resumed run asks for)."""
    return None if page is None else page.model_dump(exclude_none=True)
