"""An in-process fake of the manager's ``/sdk/...`` API (protocol §4), for connector tests.

It keeps sources and runs in memory, applies the checks a connector can observe (events for a run
that is not running get 400, lifecycle calls on finished runs are no-ops, 422 on bad shapes), and
records everything: registrations, each request in order, events, content, checkpoints, outcomes.
It can be told to fail or throttle the next calls to a path.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pydantic
from aiohttp import web
from aiohttp.test_utils import TestServer

from sluice_sdk.models import (
    EVENT_BATCH_ADAPTER,
    EVENT_REQUEST_ADAPTER,
    ConnectorManifest,
    CountRequest,
    Event,
    FailRequest,
    SyncCreateRequest,
    SyncMode,
    dump_event,
)
from sluice_sdk.testing.fake_state import FakeRun, FakeSource, Injection

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeManager:
    def __init__(self, *, token: str | None = None, health_check: bool = False) -> None:
        self.token = token
        self.health_check = health_check
        self.registrations: list[ConnectorManifest] = []
        self.requests: list[tuple[str, str]] = []
        self.sources: dict[str, FakeSource] = {}
        self.runs: dict[str, FakeRun] = {}
        self.contents: dict[str, str] = {}
        self.extractions: list[dict[str, Any]] = []
        self.webhooks: list[dict[str, Any]] = []
        self._injections: list[Injection] = []
        self._batch_hooks: dict[str, tuple[int, Callable[[], None]]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._server: TestServer | None = None

    # --- setup -------------------------------------------------------------------------------

    def add_source(
        self,
        source_type: str = "test",
        *,
        config: dict[str, Any] | None = None,
        credentials: dict[str, Any] | None = None,
        checkpoint: Any = None,
        source_id: str | None = None,
    ) -> FakeSource:
        source = FakeSource(
            id=source_id or f"src-{next(self._ids)}",
            source_type=source_type,
            config=config or {},
            credentials=credentials or {},
            checkpoint=checkpoint,
        )
        self.sources[source.id] = source
        return source

    def create_run(self, source_id: str, sync_mode: SyncMode = "full") -> FakeRun:
        run = FakeRun(id=f"run-{next(self._ids)}", source_id=source_id, sync_mode=sync_mode)
        self.runs[run.id] = run
        return run

    def cancel_run(self, run_id: str) -> None:
        run = self.runs[run_id]
        if run.status == "running":
            run.status = "cancelled"
            run.error = "Cancelled by user"

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        retry_after: float | None = None,
        error: str = "injected failure",
    ) -> None:
        """The next ``times`` requests whose path starts with ``path_prefix`` get ``status``."""
        self._injections.append(Injection(method, path_prefix, status, times, retry_after, error))

    def throttle(self, path_prefix: str, *, times: int = 1, retry_after: float = 0) -> None:
        self.fail_next(path_prefix, 429, times=times, retry_after=retry_after, error="busy")

    def on_batches(self, run_id: str, count: int, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the run has received ``count`` accepted event batches."""
        self._batch_hooks[run_id] = (count, callback)

    # --- observation -------------------------------------------------------------------------

    def paths(self, prefix: str = "") -> list[str]:
        return [f"{m} {p}" for m, p in self.requests if p.startswith(prefix)]

    async def wait_until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until ``predicate()`` holds: re-checked after every request the fake handles, and
        every 50 ms for predicates about the connector's own state."""
        async with asyncio.timeout(within):
            while not predicate():
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.05)

    async def wait_for_run_end(self, run_id: str, within: float = 10.0) -> FakeRun:
        await self.wait_until(lambda: self.runs[run_id].status != "running", within)
        return self.runs[run_id]

    # --- server ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake manager is not started")
        return str(self._server.make_url("")).rstrip("/")

    async def start(self) -> str:
        self._server = TestServer(self.build_app(), host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def __aenter__(self) -> FakeManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record, self._auth, self._inject])
        r = app.router
        r.add_post("/sdk/register", self._register)
        r.add_post("/sdk/events", self._events)
        r.add_post("/sdk/events/batch", self._events_batch)
        r.add_post("/sdk/content", self._content)
        r.add_post("/sdk/extract-content", self._extract)
        r.add_post("/sdk/extract-text", self._extract)
        r.add_post("/sdk/sync/create", self._sync_create)
        r.add_post("/sdk/sync/cancel", self._sync_cancel)
        r.add_post("/sdk/webhook/notify", self._webhook)
        r.add_post("/sdk/sync/{id}/heartbeat", self._heartbeat)
        r.add_post("/sdk/sync/{id}/scanned", self._count)
        r.add_post("/sdk/sync/{id}/updated", self._count)
        r.add_put("/sdk/sync/{id}/checkpoint", self._checkpoint)
        r.add_post("/sdk/sync/{id}/complete", self._complete)
        r.add_post("/sdk/sync/{id}/fail", self._fail)
        r.add_get("/sdk/source/{id}", self._source)
        r.add_get("/sdk/source/{id}/sync-config", self._sync_config)
        r.add_put("/sdk/source/{id}/connector-state", self._connector_state)
        r.add_get("/sdk/credentials/{id}", self._credentials)
        r.add_get("/sdk/sources/by-type/{type}", self._by_type)
        return app

    # --- middlewares -------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        try:
            return await handler(request)
        finally:
            async with self._changed:
                self._changed.notify_all()

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.token is not None:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return _error(401, "unauthorized")
        return await handler(request)

    @web.middleware
    async def _inject(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        for injection in self._injections:
            if injection.times > 0 and request.path.startswith(injection.path_prefix):
                if injection.method not in (None, request.method):
                    continue
                injection.times -= 1
                await request.read()
                response = _error(injection.status, injection.error)
                if injection.retry_after is not None:
                    response.headers["Retry-After"] = str(int(injection.retry_after))
                return response
        return await handler(request)

    # --- handlers ----------------------------------------------------------------------------

    async def _register(self, request: web.Request) -> web.Response:
        try:
            manifest = ConnectorManifest.model_validate_json(await request.read())
        except pydantic.ValidationError as exc:
            return _error(422, str(exc))
        if self.health_check and not await self._healthy(manifest.connector_url):
            return _error(400, f"connector health check failed at {manifest.connector_url}")
        self.registrations.append(manifest)
        return _ok()

    async def _healthy(self, url: str) -> bool:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
                session.get(f"{url}/health", headers=headers) as resp,
            ):
                return 200 <= resp.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def _events(self, request: web.Request) -> web.Response:
        try:
            body = EVENT_REQUEST_ADAPTER.validate_json(await request.read())
        except pydantic.ValidationError as exc:
            return _error(422, str(exc))
        return self._accept(body.sync_run_id, body.source_id, [body.event])

    async def _events_batch(self, request: web.Request) -> web.Response:
        try:
            body = EVENT_BATCH_ADAPTER.validate_json(await request.read())
        except pydantic.ValidationError as exc:
            return _error(422, str(exc))
        return self._accept(body.sync_run_id, body.source_id, body.events)

    def _accept(self, run_id: str, source_id: str, events: list[Event]) -> web.Response:
        source = self.sources.get(source_id)
        if source is None or source.is_deleted or not source.is_active:
            return _error(400, "unknown event source")
        run = self.runs.get(run_id)
        if run is None or run.source_id != source_id or run.status != "running":
            return _error(400, "sync run is not running")
        if any(e.sync_run_id != run_id or e.source_id != source_id for e in events):
            return _error(400, "event context does not match the request")
        run.events.extend(orjson.loads(dump_event(e)) for e in events)
        run.batches += 1
        hook = self._batch_hooks.get(run_id)
        if hook is not None and run.batches >= hook[0]:
            del self._batch_hooks[run_id]
            hook[1]()
        return _ok()

    async def _content(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        if not isinstance(body.get("sync_run_id"), str) or not isinstance(body.get("content"), str):
            return _error(422, "sync_run_id and content are required")
        return web.json_response({"content_id": self._store(body["content"])})

    def _store(self, text: str) -> str:
        content_id = "blob-" + hashlib.sha256(text.encode()).hexdigest()[:21]
        self.contents[content_id] = text
        return content_id

    async def _extract(self, request: web.Request) -> web.Response:
        parts: dict[str, Any] = {}
        reader = await request.multipart()
        async for part in reader:
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                raw = await part.read()
                parts[part.name] = raw if part.name == "data" else raw.decode()
                if part.name == "data":
                    parts["data_filename"] = part.filename
        if not {"sync_run_id", "mime_type", "data"} <= parts.keys():
            return _error(400, "missing part")
        self.extractions.append(parts)
        mime = str(parts["mime_type"]).split(";")[0].lower()
        text = parts["data"].decode("utf-8", "replace") if mime.startswith("text/") else ""
        if request.path.endswith("extract-text"):
            return web.json_response({"text": text})
        return web.json_response({"content_id": self._store(text)})

    def _running(self, request: web.Request) -> FakeRun | None:
        run = self.runs.get(request.match_info["id"])
        return run if run is not None and run.status == "running" else None

    async def _heartbeat(self, request: web.Request) -> web.Response:
        run = self._running(request)
        if run is not None:
            run.heartbeats += 1
        return _ok()

    async def _count(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            count = CountRequest.model_validate_json(raw or b"{}").count
        except pydantic.ValidationError as exc:
            return _error(422, str(exc))
        run = self._running(request)
        if run is not None:
            if request.path.endswith("/scanned"):
                run.scanned += count
            else:
                run.updated += count
        return _ok()

    async def _checkpoint(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not raw:
            return _error(400, "checkpoint body required")
        run = self._running(request)
        if run is not None:
            run.checkpoint = orjson.loads(raw)
            run.checkpoint_saved = True
            run.checkpoints.append(run.checkpoint)
            run.checkpoint_event_counts.append(len(run.events))
        return _ok()

    async def _complete(self, request: web.Request) -> web.Response:
        await request.read()
        run = self._running(request)
        if run is not None:
            run.status = "completed"
            if run.checkpoint_saved:
                self.sources[run.source_id].checkpoint = run.checkpoint
        return _ok()

    async def _fail(self, request: web.Request) -> web.Response:
        try:
            body = FailRequest.model_validate_json(await request.read())
        except pydantic.ValidationError as exc:
            return _error(422, str(exc))
        run = self._running(request)
        if run is not None:
            run.status = "failed"
            run.error = body.error[:4096]
        return _ok()

    def _source_or_404(self, request: web.Request) -> FakeSource | None:
        return self.sources.get(request.match_info["id"])

    async def _source(self, request: web.Request) -> web.Response:
        source = self._source_or_404(request)
        if source is None:
            return _error(404, f"source {request.match_info['id']} not found")
        return web.json_response(source.as_source_object())

    async def _sync_config(self, request: web.Request) -> web.Response:
        source = self._source_or_404(request)
        if source is None:
            return _error(404, f"source {request.match_info['id']} not found")
        return web.json_response(
            {
                "config": source.config,
                "credentials": source.credentials,
                "connector_state": source.connector_state,
                "checkpoint": source.checkpoint,
                "source_type": source.source_type,
                "user_filter_mode": "all",
                "user_whitelist": None,
                "user_blacklist": None,
            }
        )

    async def _connector_state(self, request: web.Request) -> web.Response:
        raw = await request.read()
        source = self._source_or_404(request)
        if source is None:
            return _error(404, f"source {request.match_info['id']} not found")
        source.connector_state = orjson.loads(raw) if raw else None
        return _ok()

    async def _credentials(self, request: web.Request) -> web.Response:
        source = self._source_or_404(request)
        if source is None:
            return _error(404, "credentials not found")
        stamp = source.created_at.isoformat().replace("+00:00", "Z")
        return web.json_response(
            {
                "id": f"cred-{source.id}",
                "source_id": source.id,
                "user_id": None,
                "provider": source.source_type,
                "auth_type": "api_key",
                "principal_email": None,
                "credentials": source.credentials,
                "config": {},
                "expires_at": None,
                "last_validated_at": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )

    async def _by_type(self, request: web.Request) -> web.Response:
        wanted = request.match_info["type"]
        found = [
            s.as_source_object()
            for s in sorted(self.sources.values(), key=lambda s: s.created_at, reverse=True)
            if s.source_type == wanted and s.is_active and not s.is_deleted
        ]
        return web.json_response(found)

    async def _sync_create(self, request: web.Request) -> web.Response:
        try:
            body = SyncCreateRequest.model_validate_json(await request.read())
        except pydantic.ValidationError as exc:
            return _error(422, str(exc))
        source = self.sources.get(body.source_id)
        if source is None:
            return _error(404, "source not found")
        realtime = body.sync_type == "realtime"
        busy = [
            r
            for r in self.runs.values()
            if r.source_id == source.id
            and r.status == "running"
            and (r.sync_mode == "realtime") == realtime
        ]
        if busy:
            return _error(409, "a run of that slot is already running")
        return web.json_response({"sync_run_id": self.create_run(source.id, body.sync_type).id})

    async def _sync_cancel(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        run = self.runs.get(body.get("sync_run_id", ""))
        if run is not None and run.status == "running":
            run.status = "cancelled"
            run.error = "Cancelled by connector"
        return web.json_response({"success": True})

    async def _webhook(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self.webhooks.append(body)
        source = self.sources.get(body.get("source_id", ""))
        if source is None:
            return _error(404, "source not found")
        return web.json_response({"sync_run_id": self.create_run(source.id, "incremental").id})


def _ok() -> web.Response:
    return web.json_response({"status": "ok"})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
