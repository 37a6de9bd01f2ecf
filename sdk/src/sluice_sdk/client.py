"""The manager client: every ``/sdk/...`` call a connector makes (protocol §4).

One aiohttp session, the connector token as a bearer token, retries per ``sluice_sdk.retry``
(transport errors and 429/502/503/504, honouring ``Retry-After``), typed errors carrying the
status and the envelope's ``error`` member. Nothing here routes on message text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiohttp
import orjson
from pydantic import BaseModel

from sluice_sdk._session import OwnedSession
from sluice_sdk.errors import ManagerHttpError, ManagerUnavailable
from sluice_sdk.models import (
    ConnectorManifest,
    ContentResponse,
    CredentialObject,
    ExtractTextResponse,
    SourceObject,
    SyncConfig,
    SyncCreateResponse,
    SyncMode,
    WebhookNotifyResponse,
)
from sluice_sdk.retry import MANAGER_RETRY_STATUSES, RetryPolicy, parse_retry_after, retrying

ModelT = TypeVar("ModelT", bound=BaseModel)
Body = bytes | Callable[[], aiohttp.FormData] | None

_JSON = {"Content-Type": "application/json"}
EXTRACTION_TIMEOUT = 300.0  # a 50 MiB PDF can take minutes to extract
_MAX_COUNT = 1_000_000  # §4.6: one /scanned or /updated call carries at most this many


# Idle connections to the manager stay open this long: longer than the 30 s between registration
# heartbeats, so a connector keeps its connection instead of opening one per heartbeat (a new TCP
# connection costs the manager more than the heartbeat itself), and shorter than aiohttp's 75 s
# server keep-alive, so the client is the side that closes.
KEEPALIVE_SECONDS = 60.0


def _should_retry(exc: BaseException) -> bool:
    if isinstance(exc, ManagerUnavailable):
        return True
    return isinstance(exc, ManagerHttpError) and exc.status in MANAGER_RETRY_STATUSES


def _error_member(body: bytes) -> str | None:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:500].decode("utf-8", "replace") or None
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return str(parsed["error"])
    return None


def event_batch_body(sync_run_id: str, source_id: str, events: Sequence[bytes]) -> bytes:
    """§4.3 body from events already serialised one by one (no second serialisation pass)."""
    return b"".join(
        (
            b'{"sync_run_id":',
            orjson.dumps(sync_run_id),
            b',"source_id":',
            orjson.dumps(source_id),
            b',"events":[',
            b",".join(events),
            b"]}",
        )
    )


class ManagerClient(OwnedSession):
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.retry = retry or RetryPolicy()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        super().__init__(session, self._keepalive_session)

    def _keepalive_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=self._timeout,
            headers=self._headers,
        )

    # --- transport ---------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        body: Body = None,
        *,
        retry: RetryPolicy | None = None,
        request_timeout: float | None = None,
    ) -> Any:
        """Send with retries; return the decoded JSON reply (None for an empty body)."""
        per_request = aiohttp.ClientTimeout(total=request_timeout) if request_timeout else None
        async for attempt in retrying(retry or self.retry, _should_retry):
            with attempt:
                return await self._once(method, path, body, per_request)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _once(
        self,
        method: str,
        path: str,
        body: Body,
        client_timeout: aiohttp.ClientTimeout | None = None,
    ) -> Any:
        session = self._session()
        headers: dict[str, str] = {}
        data: bytes | aiohttp.FormData | None
        if callable(body):
            data = body()  # multipart bodies are built afresh for each attempt
        else:
            data = body
            if body is not None:
                headers = _JSON
        try:
            async with session.request(
                method,
                self.base_url + path,
                data=data,
                headers=headers,
                allow_redirects=False,
                timeout=client_timeout or self._timeout,
            ) as resp:
                raw = await resp.read()
                if resp.status >= 300:
                    raise ManagerHttpError(
                        resp.status,
                        _error_member(raw),
                        method=method,
                        path=path,
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                    )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ManagerUnavailable(
                method=method, path=path, reason=f"{type(exc).__name__}: {exc}"
            ) from exc
        return orjson.loads(raw) if raw else None

    async def _model(
        self,
        model: type[ModelT],
        method: str,
        path: str,
        body: Body = None,
        *,
        retry: RetryPolicy | None = None,
        request_timeout: float | None = None,
    ) -> ModelT:
        reply = await self.request(method, path, body, retry=retry, request_timeout=request_timeout)
        return model.model_validate(reply)

    # --- registration (§4.1) -----------------------------------------------------------------

    async def register(
        self, manifest: ConnectorManifest, *, retry: RetryPolicy | None = None
    ) -> None:
        body = manifest.model_dump_json().encode()
        await self.request("POST", "/sdk/register", body, retry=retry)

    # --- events and content (§4.3, §4.4, §4.5) -----------------------------------------------

    async def post_event_batch(
        self, sync_run_id: str, source_id: str, events: Sequence[bytes]
    ) -> None:
        await self.request(
            "POST", "/sdk/events/batch", event_batch_body(sync_run_id, source_id, events)
        )

    async def store_content(self, sync_run_id: str, text: str) -> str:
        body = orjson.dumps({"sync_run_id": sync_run_id, "content": text})
        return (await self._model(ContentResponse, "POST", "/sdk/content", body)).content_id

    def _extraction_form(
        self, sync_run_id: str, data: bytes, mime_type: str, filename: str | None
    ) -> Callable[[], aiohttp.FormData]:
        def build() -> aiohttp.FormData:
            # The Omni layout (§11.27): file part ``data`` named ``file``, plus text parts.
            form = aiohttp.FormData()
            form.add_field("sync_run_id", sync_run_id)
            form.add_field("mime_type", mime_type)
            if filename is not None:
                form.add_field("filename", filename)
            form.add_field("data", data, filename="file", content_type="application/octet-stream")
            return form

        return build

    async def extract_content(
        self,
        sync_run_id: str,
        data: bytes,
        mime_type: str,
        filename: str | None = None,
        *,
        retry: RetryPolicy | None = None,
    ) -> str:
        form = self._extraction_form(sync_run_id, data, mime_type, filename)
        path = "/sdk/extract-content"
        return (
            await self._model(
                ContentResponse, "POST", path, form, retry=retry, request_timeout=EXTRACTION_TIMEOUT
            )
        ).content_id

    async def extract_text(
        self,
        sync_run_id: str,
        data: bytes,
        mime_type: str,
        filename: str | None = None,
        *,
        retry: RetryPolicy | None = None,
    ) -> str:
        form = self._extraction_form(sync_run_id, data, mime_type, filename)
        path = "/sdk/extract-text"
        return (
            await self._model(
                ExtractTextResponse,
                "POST",
                path,
                form,
                retry=retry,
                request_timeout=EXTRACTION_TIMEOUT,
            )
        ).text

    # --- run lifecycle (§4.6) ----------------------------------------------------------------

    async def heartbeat(self, sync_run_id: str) -> None:
        await self.request("POST", f"/sdk/sync/{sync_run_id}/heartbeat")

    async def add_scanned(self, sync_run_id: str, count: int) -> None:
        await self._add_count(sync_run_id, "scanned", count)

    async def add_updated(self, sync_run_id: str, count: int) -> None:
        await self._add_count(sync_run_id, "updated", count)

    async def _add_count(self, sync_run_id: str, counter: str, count: int) -> None:
        while count > 0:
            step = min(count, _MAX_COUNT)
            body = orjson.dumps({"count": step})
            await self.request("POST", f"/sdk/sync/{sync_run_id}/{counter}", body)
            count -= step

    async def save_checkpoint(self, sync_run_id: str, checkpoint: Any) -> None:
        await self.request("PUT", f"/sdk/sync/{sync_run_id}/checkpoint", orjson.dumps(checkpoint))

    async def complete(self, sync_run_id: str) -> None:
        await self.request("POST", f"/sdk/sync/{sync_run_id}/complete", b"{}")

    async def fail(self, sync_run_id: str, error: str) -> None:
        body = orjson.dumps({"error": error})
        await self.request("POST", f"/sdk/sync/{sync_run_id}/fail", body)

    # --- sources (§4.7) ----------------------------------------------------------------------

    async def get_source(self, source_id: str) -> SourceObject:
        return await self._model(SourceObject, "GET", f"/sdk/source/{source_id}")

    async def get_sync_config(self, source_id: str) -> SyncConfig:
        return await self._model(SyncConfig, "GET", f"/sdk/source/{source_id}/sync-config")

    async def save_connector_state(self, source_id: str, state: Any) -> None:
        path = f"/sdk/source/{source_id}/connector-state"
        await self.request("PUT", path, orjson.dumps(state))

    async def get_credentials(self, source_id: str) -> CredentialObject:
        return await self._model(CredentialObject, "GET", f"/sdk/credentials/{source_id}")

    async def sources_by_type(self, source_type: str) -> list[SourceObject]:
        items = await self.request("GET", f"/sdk/sources/by-type/{source_type}")
        return [SourceObject.model_validate(item) for item in items or []]

    # --- connector-driven runs (§4.8-§4.10) --------------------------------------------------

    async def create_sync(self, source_id: str, sync_type: SyncMode) -> str:
        body = orjson.dumps({"source_id": source_id, "sync_type": sync_type})
        return (await self._model(SyncCreateResponse, "POST", "/sdk/sync/create", body)).sync_run_id

    async def cancel_sync(self, sync_run_id: str) -> None:
        await self.request("POST", "/sdk/sync/cancel", orjson.dumps({"sync_run_id": sync_run_id}))

    async def notify_webhook(self, source_id: str, event_type: str | None = None) -> str:
        body = orjson.dumps({"source_id": source_id, "event_type": event_type})
        reply = await self._model(WebhookNotifyResponse, "POST", "/sdk/webhook/notify", body)
        return reply.sync_run_id
