"""The manager's admin API as the commands call it (httpx), and how its refusals are shown.

Every answer of the API is JSON; a refusal is the protocol's envelope ``{"error": message}``
(§1.3), sometimes with more members (``problems`` for a descriptor). Exit status of a remote
command: 0 done, 1 the manager refused (or answered 503: unavailable for now), 2 it was
unreachable or could not be found.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a command calls the manager, not on every sluice start
    import httpx
    from httpx_sse import ServerSentEvent

OK, REFUSED, UNREACHABLE = 0, 1, 2
# The progress stream sends an event every second while a run lasts: a minute without one is a
# stuck connection, not a slow run.
STREAM_READ_TIMEOUT = 60.0


class Unreachable(Exception):
    """No HTTP answer from the manager."""


@dataclass
class ApiError(Exception):
    """A non-2xx answer: its status, the envelope's message, and the whole body."""

    status: int
    message: str
    body: Any = None
    retry_after: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"HTTP {self.status}: {self.message}"

    def describe(self, what: str) -> str:
        text = f"{what} failed: HTTP {self.status}: {self.message}"
        if self.status == 503:
            wait = f"retry after {self.retry_after} s" if self.retry_after else "retry later"
            text += f" (the manager is unavailable for now: {wait})"
        return text


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return {"error": data.decode("utf-8", "replace")[:500]}


def _error(response: httpx.Response) -> ApiError:
    body = _json(response.read())
    message = body.get("error") if isinstance(body, Mapping) else None
    return ApiError(
        response.status_code,
        str(message or response.reason_phrase),
        body,
        response.headers.get("Retry-After"),
        dict(response.headers),
    )


@dataclass(frozen=True, slots=True)
class Manager:
    """The manager's admin API, with the admin token."""

    url: str
    token: str | None
    timeout: float = 30

    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _target(self, path: str) -> str:
        return f"{self.url.rstrip('/')}{path}"

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int | None] | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        """(status, JSON answer) of any answer, error statuses included; Unreachable otherwise."""
        import httpx

        params = {k: v for k, v in (query or {}).items() if v is not None}
        try:
            response = httpx.request(
                method,
                self._target(path),
                params=params,
                content=body,
                headers=self._headers(content_type if body is not None else None),
                timeout=self.timeout,
            )
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach the manager at {self.url}: {exc}") from exc
        return response.status_code, _json(response.content)

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int | None] | None = None,
        json_body: Any = None,
    ) -> Any:
        """The JSON answer of a 2xx; ApiError for any other status."""
        import httpx

        params = {k: v for k, v in (query or {}).items() if v is not None}
        body = None if json_body is None else json.dumps(json_body).encode()
        try:
            response = httpx.request(
                method,
                self._target(path),
                params=params,
                content=body,
                headers=self._headers("application/json" if body is not None else None),
                timeout=self.timeout,
            )
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach the manager at {self.url}: {exc}") from exc
        if not response.is_success:
            raise _error(response)
        return _json(response.content)

    @contextmanager
    def events(self, path: str) -> Iterator[Iterator[ServerSentEvent]]:
        """The server-sent events of ``path`` (parsed by httpx-sse) while the block runs."""
        import httpx
        from httpx_sse import connect_sse

        timeout = httpx.Timeout(self.timeout, read=STREAM_READ_TIMEOUT)
        try:
            with (
                httpx.Client(timeout=timeout) as client,
                connect_sse(
                    client, "GET", self._target(path), headers=self._headers(None)
                ) as source,
            ):
                if not source.response.is_success:
                    raise _error(source.response)
                yield source.iter_sse()
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach the manager at {self.url}: {exc}") from exc


def show_error(what: str, error: ApiError, hint: str | None = None) -> int:
    """A refusal on stderr (never a traceback); the status a command exits with."""
    print(error.describe(what), file=sys.stderr)
    if error.status == 401 and hint:
        print(hint, file=sys.stderr)
    return REFUSED
