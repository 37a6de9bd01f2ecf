"""The SDK's exception root and the failure classification (style §5, §6).

A run that fails is reported with ``<kind>: <text>`` where kind is ``configuration`` (the operator
must fix something; retrying will not help), ``transient`` (retry later) or ``internal`` (a bug).
"""

from __future__ import annotations

import asyncio
from typing import Literal

import aiohttp
import pydantic

ErrorKind = Literal["configuration", "transient", "internal"]


class SdkError(Exception):
    """Root of every exception the SDK raises."""


# --- talking to the manager ------------------------------------------------------------------


class ManagerError(SdkError):
    """A call to the manager failed."""


class ManagerHttpError(ManagerError):
    """The manager answered with a non-2xx status; ``error`` is its envelope's message (§1.3)."""

    def __init__(
        self,
        status: int,
        error: str | None,
        *,
        method: str,
        path: str,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.error = error
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(f"{method} {path}: HTTP {status}: {error or '(no error message)'}")


class ManagerUnavailable(ManagerError):
    """The manager could not be reached (connection refused, reset, timeout)."""

    def __init__(self, *, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(f"{method} {path}: manager unreachable: {reason}")


# --- the life of a run -----------------------------------------------------------------------


class SyncStopped(SdkError):
    """The run must end now without reporting completion or failure."""


class SyncCancelled(SyncStopped):
    """The manager cancelled the run (``POST /cancel``, §3.5)."""


class RunNotRunning(SyncStopped):
    """The manager refused events because the run is no longer running (§3.7 item 7)."""


# --- failures raised by connector code -------------------------------------------------------


class ConnectorError(SdkError):
    """A failure a connector reports on purpose, with its classification."""

    kind: ErrorKind = "internal"


class ConfigurationError(ConnectorError):
    """Bad config or credentials: the operator must act; retrying does not help."""

    kind: ErrorKind = "configuration"


class TransientError(ConnectorError):
    """The source is temporarily unavailable; a later run may succeed."""

    kind: ErrorKind = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class InternalError(ConnectorError):
    kind: ErrorKind = "internal"


class SourceHttpError(ConnectorError):
    """The data source answered with an error status (see ``sluice_sdk.source_http``)."""

    def __init__(
        self,
        status: int,
        *,
        method: str,
        url: str,
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.body = body
        self.retry_after = retry_after
        self.kind = classify_source_status(status)
        super().__init__(f"{method} {url}: HTTP {status}")


def classify_source_status(status: int) -> ErrorKind:
    """One table for what a data source's HTTP status means for the run."""
    if status in (401, 403):
        return "configuration"
    if status == 429 or status >= 500:
        return "transient"
    return "internal"


def classify(exc: BaseException) -> ErrorKind:
    if isinstance(exc, ConnectorError):
        return exc.kind
    if isinstance(exc, ManagerHttpError):
        if exc.status == 501:
            # The manager cannot do this at all (a format it was installed without): retrying
            # will not help, its operator must act.
            return "configuration"
        return "transient" if exc.status == 429 or exc.status >= 500 else "internal"
    if isinstance(exc, ManagerUnavailable | aiohttp.ClientError | asyncio.TimeoutError):
        return "transient"
    if isinstance(exc, ConnectionError):
        return "transient"
    return "internal"


def failure_message(exc: BaseException) -> str:
    """The run's error text: the classification, then the exception text (§3.7 item 6)."""
    kind = classify(exc)
    text = str(exc) or type(exc).__name__
    if kind == "internal" and not isinstance(exc, ConnectorError):
        text = f"{type(exc).__name__}: {text}"
    return f"{kind}: {text}"


def configuration_error_from(exc: pydantic.ValidationError, what: str) -> ConfigurationError:
    """Config or credentials that do not fit the model; values are left out (they may be secret)."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
    )
    return ConfigurationError(f"invalid {what}: {problems}")
