"""The HTTP client that calls an API as its descriptor describes it (docs/descriptor.md,
"Authentication at run time")."""

from sluice_descriptor.client.api import ApiClient, scope_key
from sluice_descriptor.client.clock import Clock, Sleep, SystemClock
from sluice_descriptor.client.errors import (
    ApiError,
    AuthFailed,
    ClientError,
    ConfigurationProblem,
    UpstreamUnavailable,
)
from sluice_descriptor.client.limits import LIMITERS, LimiterRegistry, RateSpec
from sluice_descriptor.client.probe import TestOutcome, run_test_endpoint
from sluice_descriptor.client.retry import RetryPolicy, parse_retry_after
from sluice_descriptor.client.tokens import TOKENS, TokenCache
from sluice_descriptor.client.transport import ApiResponse

__all__ = [
    "LIMITERS",
    "TOKENS",
    "ApiClient",
    "ApiError",
    "ApiResponse",
    "AuthFailed",
    "ClientError",
    "Clock",
    "ConfigurationProblem",
    "LimiterRegistry",
    "RateSpec",
    "RetryPolicy",
    "Sleep",
    "SystemClock",
    "TestOutcome",
    "TokenCache",
    "UpstreamUnavailable",
    "parse_retry_after",
    "run_test_endpoint",
    "scope_key",
]
