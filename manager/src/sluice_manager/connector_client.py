"""Every call the manager makes to a connector (protocol §3): dispatch, status, cancel, action, and
the registration health check (§4.1 step 6).

One table turns a connector's reply into what the manager does (§3.3, §8.2); the §6.2
``error_message`` strings are normative and built only here. Redirects are never followed (§3.1).
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import structlog
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from yarl import URL

from sluice_manager.errors import ManagerError
from sluice_manager.settings import ManagerSettings
from sluice_sdk.models.connector_api import SyncRequest

log = structlog.get_logger(__name__)

# Transport failures worth another attempt (§9.6 step 7); HTTP statuses are never retried.
_TRANSIENT = (aiohttp.ClientConnectionError, TimeoutError)
_BODY_EXCERPT = 500


class DispatchKind(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # an HTTP reply that is not an acceptance
    UNREACHABLE = "unreachable"  # transport errors after every retry
    TIMED_OUT = "timed_out"  # the overall deadline passed


@dataclass(frozen=True, slots=True)
class DispatchOutcome:
    kind: DispatchKind
    http_status: int | None = None
    # The §6.2 error_message for a failed run; None when accepted.
    error_message: str | None = None

    @property
    def accepted(self) -> bool:
        return self.kind is DispatchKind.ACCEPTED

    @property
    def not_found(self) -> bool:
        """A 404 reply: to a realtime request it means realtime is unavailable (§3.3)."""
        return self.kind is DispatchKind.REJECTED and self.http_status == 404

    @property
    def busy(self) -> bool:
        """A 409 reply: the slot is busy (§3.3); to a resume, the connector still holds the run
        (§8.2 step 4)."""
        return self.kind is DispatchKind.REJECTED and self.http_status == 409


class StatusOutcome(enum.Enum):
    """What ``GET /sync/{id}`` says about a run (§8.2 step 3).

    Only ``NOT_RUNNING`` and ``GONE`` are evidence of loss. A poll that times out or gets an
    answer that says nothing about the run is ``UNKNOWN``: a busy connector is not a lost one.
    """

    RUNNING = "running"
    NOT_RUNNING = "not_running"
    NOT_IMPLEMENTED = "not_implemented"  # 404: stale detection is the fallback
    GONE = "gone"  # connection refused: the process is not there
    UNKNOWN = "unknown"  # timeout, another transport error, status or body


class ConnectorTransportError(ManagerError):
    """A connector could not be reached (an action relay answers 502)."""

    def __init__(self, url: str, cause: str) -> None:
        super().__init__(f"connector unreachable at {url}: {cause}")
        self.url = url
        self.cause = cause
        self.message = f"connector unreachable: {cause}"  # the URL is the manager's business


def _refused(exc: BaseException) -> bool:
    """A refused connection: nothing listens at the connector's address any more."""
    return isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
        exc.os_error, ConnectionRefusedError
    )


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return text if text else type(exc).__name__


def sync_request_body(request: SyncRequest) -> bytes:
    """The SyncRequest on the wire: null members omitted, ``is_resume`` only when true (§3.3)."""
    return orjson.dumps(request.to_wire())


def classify_dispatch_reply(status: int, body: bytes) -> DispatchOutcome:
    """The §3.3 reply table (the realtime 404 is the caller's decision: it knows the sync type)."""
    if 200 <= status < 300:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("status"), str):
            return DispatchOutcome(DispatchKind.ACCEPTED, status)
    excerpt = body.decode("utf-8", errors="replace")[:_BODY_EXCERPT]
    return DispatchOutcome(
        DispatchKind.REJECTED,
        status,
        f"Connector rejected dispatch: HTTP {status}: {excerpt}",
    )


def _format_seconds(seconds: float) -> str:
    return f"{seconds:g}"


class ConnectorClient:
    """Calls to connectors over the shared session, with the connector token (§2.3)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str | None,
        *,
        attempt_timeout: float = 30,
        deadline: float = 150,
        retry_base_seconds: float = 1,
        retry_jitter_seconds: float = 1,
        status_timeout: float = 5,
        cancel_timeout: float = 10,
        action_timeout: float = 60,
        health_timeout: float = 10,
    ) -> None:
        self._session = session
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._attempt_timeout = attempt_timeout
        self._deadline = deadline
        self._retry_base = retry_base_seconds
        self._retry_jitter = retry_jitter_seconds
        self._status_timeout = status_timeout
        self._cancel_timeout = cancel_timeout
        self._action_timeout = action_timeout
        self._health_timeout = health_timeout

    @classmethod
    def from_settings(
        cls, session: aiohttp.ClientSession, settings: ManagerSettings
    ) -> ConnectorClient:
        """A client over ``session`` with the first connector token and the settings' timeouts."""
        return cls(
            session,
            settings.connector_token[0] if settings.connector_token else None,
            attempt_timeout=settings.dispatch_attempt_timeout_seconds,
            deadline=settings.dispatch_deadline_seconds,
            retry_base_seconds=settings.dispatch_retry_base_seconds,
            retry_jitter_seconds=settings.dispatch_retry_jitter_seconds,
            status_timeout=settings.status_poll_timeout_seconds,
            cancel_timeout=settings.cancel_timeout_seconds,
            health_timeout=settings.health_check_timeout_seconds,
        )

    async def dispatch(self, url: str, request: SyncRequest) -> DispatchOutcome:
        """``POST {url}/sync`` under §9.6 step 7: 30 s per attempt, 3 retries, 150 s deadline."""
        target = str(URL(url) / "sync")
        body = sync_request_body(request)
        try:
            async with asyncio.timeout(self._deadline):
                return await self._dispatch_with_retries(target, body)
        except TimeoutError:
            log.warning("dispatch_timed_out", url=target)
            return DispatchOutcome(
                DispatchKind.TIMED_OUT,
                None,
                f"Connector dispatch timed out after {_format_seconds(self._deadline)} s",
            )

    async def _dispatch_with_retries(self, target: str, body: bytes) -> DispatchOutcome:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(4),
            wait=wait_exponential(multiplier=self._retry_base) + wait_random(0, self._retry_jitter),
            retry=retry_if_exception_type(_TRANSIENT),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    status, reply = await self._post_once(target, body)
        except _TRANSIENT as exc:
            log.warning("dispatch_unreachable", url=target, error=_describe(exc))
            return DispatchOutcome(
                DispatchKind.UNREACHABLE, None, f"Connector unreachable: {_describe(exc)}"
            )
        except aiohttp.ClientError as exc:
            # Not a transient transport failure (an invalid URL, a malformed reply): no retry.
            log.warning("dispatch_unreachable", url=target, error=_describe(exc))
            return DispatchOutcome(
                DispatchKind.UNREACHABLE, None, f"Connector unreachable: {_describe(exc)}"
            )
        return classify_dispatch_reply(status, reply)

    async def _post_once(self, target: str, body: bytes) -> tuple[int, bytes]:
        # The per-attempt timeout is ours (not aiohttp's) so that it raises the builtin
        # TimeoutError that the retry policy treats as transient.
        async with asyncio.timeout(self._attempt_timeout):
            async with self._session.post(
                target,
                data=body,
                headers={**self._headers, "Content-Type": "application/json"},
                allow_redirects=False,
            ) as resp:
                return resp.status, await resp.read()

    async def status(self, url: str, run_id: str) -> StatusOutcome:
        """``GET {url}/sync/{id}`` with a 5 s timeout, read as §8.2 step 3."""
        target = str(URL(url) / "sync" / run_id)
        try:
            async with asyncio.timeout(self._status_timeout):
                async with self._session.get(
                    target, headers=self._headers, allow_redirects=False
                ) as resp:
                    status = resp.status
                    reply = await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            if _refused(exc):
                log.info("run_status_refused", url=target, error=_describe(exc))
                return StatusOutcome.GONE
            log.info("run_status_unanswered", url=target, error=_describe(exc))
            return StatusOutcome.UNKNOWN
        if status == 404:
            return StatusOutcome.NOT_IMPLEMENTED
        if 200 <= status < 300:
            try:
                parsed = orjson.loads(reply)
            except orjson.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict) and isinstance(parsed.get("running"), bool):
                return StatusOutcome.RUNNING if parsed["running"] else StatusOutcome.NOT_RUNNING
        log.info("run_status_invalid", url=target, http_status=status)
        return StatusOutcome.UNKNOWN

    async def cancel(self, url: str, run_id: str) -> None:
        """``POST {url}/cancel``: best effort, 10 s; the reply is only logged (§3.5)."""
        target = str(URL(url) / "cancel")
        try:
            async with asyncio.timeout(self._cancel_timeout):
                async with self._session.post(
                    target,
                    data=orjson.dumps({"sync_run_id": run_id}),
                    headers={**self._headers, "Content-Type": "application/json"},
                    allow_redirects=False,
                ) as resp:
                    await resp.read()
                    log.info("connector_cancel_sent", sync_run_id=run_id, http_status=resp.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("connector_cancel_failed", sync_run_id=run_id, error=_describe(exc))

    async def action(self, url: str, body: bytes | Any) -> tuple[int, bytes, str]:
        """``POST {url}/action``; returns status, body and Content-Type to relay verbatim (§3.6).

        ``body`` is JSON bytes or a JSON-serialisable value. Raises ConnectorTransportError.
        """
        target = str(URL(url) / "action")
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        try:
            async with asyncio.timeout(self._action_timeout):
                async with self._session.post(
                    target,
                    data=data,
                    headers={**self._headers, "Content-Type": "application/json"},
                    allow_redirects=False,
                ) as resp:
                    reply = await resp.read()
                    content_type = resp.headers.get("Content-Type", "application/json")
                    return resp.status, reply, content_type
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectorTransportError(target, _describe(exc)) from exc

    async def healthy(self, url: str) -> bool:
        """``GET {url}/health`` (§4.1 step 6): True when the connector answers 2xx."""
        target = url.rstrip("/") + "/health"
        try:
            async with self._session.get(
                target,
                headers=self._headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self._health_timeout),
            ) as resp:
                healthy = 200 <= resp.status < 300
                if not healthy:
                    log.info("connector_health_check_failed", url=target, status=resp.status)
                return healthy
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.info("connector_health_check_failed", url=target, error=repr(exc))
            return False
