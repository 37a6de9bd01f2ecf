"""The client's errors: one root, structured data on attributes, never a secret in a message.

How a caller classifies them (style §6): ``AuthFailed`` and ``ConfigurationProblem`` are
configuration errors (do not retry, tell the operator); ``UpstreamUnavailable`` is transient
(retried already, try again later); any other ``ApiError`` is the upstream's answer to this one
request.
"""

from __future__ import annotations

from typing import Any

from sluice_descriptor.errors import DescriptorError


class ClientError(DescriptorError):
    """Root of every error the descriptor client raises."""


class ConfigurationProblem(ClientError):
    """The descriptor, the source config or the credentials cannot be used as they are (a missing
    field, an unknown profile, a template naming a value nobody supplied, an unreadable key)."""


class ApiError(ClientError):
    """The upstream answered with an error status (or a body that breaks ``response_schema``)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body


class AuthFailed(ApiError):
    """401/403 that a fresh token or a re-run credential chain did not cure, or a token endpoint
    refusing the credentials."""


class UpstreamUnavailable(ClientError):
    """Network failure, or 429/5xx still answered after the retries."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
