"""What the descriptor package's errors mean for a run (style §6), translated in one place.

* The upstream refused the credentials (``AuthFailed``), or the descriptor, the source config or
  the credentials cannot be used (``ConfigurationProblem``, a bad template, JSONPath or parameter,
  records not where the stream says): a configuration error; retrying will not help.
* The upstream is unreachable or overloaded after the client's retries (``UpstreamUnavailable``):
  transient, with its ``Retry-After`` when it gave one.
* A response that breaks the operation's ``response_schema``: a configuration error (the
  descriptor does not describe the API as it answers).
* Any other error status: classified by the SDK's one status table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sluice_connector_declarative.records import RecordsError
from sluice_descriptor.client.errors import (
    ApiError,
    AuthFailed,
    ConfigurationProblem,
    UpstreamUnavailable,
)
from sluice_descriptor.errors import DescriptorError
from sluice_sdk.errors import (
    ConfigurationError,
    ConnectorError,
    ErrorKind,
    TransientError,
    classify_source_status,
)


class UpstreamError(ConnectorError):
    """The upstream answered an error status the client does not retry."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.kind: ErrorKind = classify_source_status(status)
        super().__init__(f"upstream answered HTTP {status}: {message}")


def translate(exc: Exception) -> ConnectorError | None:
    """The SDK error for an error of the descriptor package, or None for any other exception."""
    if isinstance(exc, AuthFailed):
        return ConfigurationError(f"upstream refused the credentials (HTTP {exc.status}): {exc}")
    if isinstance(exc, ApiError):
        if exc.status < 400:  # a body that breaks the operation's response_schema
            return ConfigurationError(str(exc))
        return UpstreamError(exc.status, str(exc))
    if isinstance(exc, UpstreamUnavailable):
        return TransientError(f"upstream unavailable: {exc}", retry_after=exc.retry_after)
    if isinstance(exc, ConfigurationProblem | DescriptorError | RecordsError):
        return ConfigurationError(str(exc))
    return None


@contextmanager
def classified() -> Iterator[None]:
    """Errors of the descriptor package leave as the SDK errors they mean."""
    try:
        yield
    except Exception as exc:
        translated = translate(exc)
        if translated is None:
            raise
        raise translated from exc
