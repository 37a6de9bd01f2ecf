"""``ApiClient``: calls a described API's operations for one source (its config, credentials and
chosen authentication profile), with auth, rate limits, retries and the response schema check."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from sluice_descriptor.client.auth import Authenticator
from sluice_descriptor.client.build import build_request, operation_auth_headers
from sluice_descriptor.client.clock import Clock, Sleep, SystemClock, real_sleep
from sluice_descriptor.client.context import config_with_defaults
from sluice_descriptor.client.errors import ApiError, AuthFailed, ConfigurationProblem
from sluice_descriptor.client.limits import LIMITERS, LimiterRegistry, RateSpec
from sluice_descriptor.client.retry import RetryPolicy
from sluice_descriptor.client.tokens import TOKENS, TokenCache, cache_key
from sluice_descriptor.client.transport import ApiResponse, Outgoing, Transport
from sluice_descriptor.model import AuthProfile, Descriptor, Operation, RateLimit
from sluice_descriptor.params import validated_params

ERROR_MESSAGE_MAX = 300

OutgoingFactory = Callable[[Mapping[str, Any], Mapping[str, str]], Outgoing]
"""Builds the request from the template context (auth values included) and the auth headers."""


class ApiClient:
    """One source's view of a described API. Cheap to build; share ``session``, ``limiters`` and
    ``token_cache`` across clients (the runtime passes the process-wide ``LIMITERS``/``TOKENS``)."""

    def __init__(
        self,
        descriptor: Descriptor,
        *,
        config: Mapping[str, Any],
        credentials: Mapping[str, Any],
        auth_type: str | None = None,
        session: aiohttp.ClientSession,
        connection_key: str,
        limiters: LimiterRegistry = LIMITERS,
        token_cache: TokenCache = TOKENS,
        clock: Clock | None = None,
        sleep: Sleep = real_sleep,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.descriptor = descriptor
        self.config = config_with_defaults(descriptor, config)
        self.credentials = dict(credentials)
        self.connection_key = connection_key
        self.limiters = limiters
        self.profile = _profile(descriptor, auth_type)
        self.transport = Transport(
            session, clock=clock or SystemClock(), sleep=sleep, policy=retry, rng=rng
        )
        self.auth = Authenticator(
            descriptor,
            self.profile,
            self.credentials,
            transport=self.transport,
            cache=token_cache,
            connection_key=connection_key,
        )

    def operation(self, operation_id: str) -> Operation:
        operation = self.descriptor.operation(operation_id)
        if operation is None:
            raise ConfigurationProblem(f"the descriptor has no operation {operation_id!r}")
        return operation

    async def call(self, operation_id: str, params: Mapping[str, Any] | None = None) -> ApiResponse:
        """Call the operation with ``params`` (checked and defaulted against its declaration;
        ``sluice_descriptor.params.ParamError`` when they do not fit)."""
        operation = self.operation(operation_id)
        values = validated_params(operation, params or {})

        def outgoing(ctx: Mapping[str, Any], auth_headers: Mapping[str, str]) -> Outgoing:
            return build_request(operation, values, ctx, self.config, auth_headers)

        return await self._send(operation, outgoing, values)

    async def get_url(self, url: str, operation_id: str) -> ApiResponse:
        """GET an absolute URL the API handed out (a next page) as ``operation_id`` would be
        called: same auth, rate limits, retries and response schema."""
        operation = self.operation(operation_id)

        def outgoing(ctx: Mapping[str, Any], auth_headers: Mapping[str, str]) -> Outgoing:
            return Outgoing("GET", url, dict(auth_headers))

        return await self._send(operation, outgoing, {})

    async def send_with_profile_auth(self, outgoing: OutgoingFactory) -> ApiResponse:
        """A request outside any operation (the test endpoint) with the profile's auth, renewed
        once on a 401; the answer is returned whatever its status."""
        return await self._authorised(outgoing, None, None, self.context())

    def context(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The template context before auth values: config, then credentials, then ``params``."""
        return {**self.config, **self.credentials, **(params or {})}

    # -- internals ------------------------------------------------------------------------------

    async def _send(
        self, operation: Operation, outgoing: OutgoingFactory, params: Mapping[str, Any]
    ) -> ApiResponse:
        limits = self._limits(operation)

        async def acquire() -> None:
            for scope, key, spec in limits:
                await self.limiters.acquire(scope, key, spec)

        response = await self._authorised(outgoing, operation, acquire, self.context(params))
        where = operation.operation_id
        if response.status in (401, 403):
            raise AuthFailed(
                response.status, f"{where}: the API refused the credentials", response.body
            )
        if response.status >= 400:
            raise ApiError(response.status, f"{where} answered {response.status}", response.body)
        if operation.response_schema is not None and response.status != 204:
            _check_schema(operation, response)
        return response

    async def _authorised(
        self,
        outgoing: OutgoingFactory,
        operation: Operation | None,
        acquire: Callable[[], Awaitable[None]] | None,
        ctx: Mapping[str, Any],
    ) -> ApiResponse:
        uses_auth = operation is None or operation.auth_type_ref != "none"
        renewed = False
        while True:
            auth_values = await self.auth.values(ctx) if uses_auth else {}
            full_ctx = {**ctx, **auth_values}
            headers = self._auth_headers(operation, full_ctx, auth_values) if uses_auth else {}
            response = await self.transport.send(outgoing(full_ctx, headers), acquire)
            if response.status != 401 or renewed or not uses_auth or not self.auth.renewable:
                return response
            if not await self.auth.renew(auth_values):
                return response
            renewed = True

    def _auth_headers(
        self, operation: Operation | None, ctx: Mapping[str, Any], auth_values: Mapping[str, Any]
    ) -> dict[str, str]:
        if operation is not None:
            own = operation_auth_headers(operation, self.profile.type, ctx)
            if own is not None:
                return own
            return self.auth.default_headers(auth_values)
        return self._profile_headers(ctx, auth_values)

    def _profile_headers(
        self, ctx: Mapping[str, Any], auth_values: Mapping[str, Any]
    ) -> dict[str, str]:
        """Auth for a request that belongs to no operation (the test endpoint): the
        ``auth_headers`` of the first operation written for this profile (an api_key profile keeps
        its header templates on its operations), else the profile's default."""
        for operation in self.descriptor.operations:
            if operation.auth_type_ref == self.profile.type and operation.auth_headers:
                return operation_auth_headers(operation, self.profile.type, ctx) or {}
        return self.auth.default_headers(auth_values)

    def _limits(self, operation: Operation) -> list[tuple[str, str, RateSpec]]:
        """The buckets a call draws from: the named scope's, or every declared one when the
        operation names none (the declared limits are the API's, whatever the operation)."""
        if operation.rate_limit_scope:
            declared = self.descriptor.rate_limit(operation.rate_limit_scope)
            if declared is None:
                raise ConfigurationProblem(
                    f"operations[{operation.operation_id}].rate_limit_scope: "
                    f"no rate limit {operation.rate_limit_scope!r}"
                )
            chosen = [declared]
        else:
            chosen = list(self.descriptor.rate_limits)
        return [
            (
                limit.scope,
                self._scope_key(limit),
                RateSpec(limit.limit, limit.interval_seconds, limit.burst),
            )
            for limit in chosen
        ]

    def _scope_key(self, limit: RateLimit) -> str:
        return scope_key(
            limit.scope,
            descriptor=self.descriptor,
            profile=self.profile,
            config=self.config,
            credentials=self.credentials,
            connection_key=self.connection_key,
        )


def scope_key(
    scope: str,
    *,
    descriptor: Descriptor,
    profile: AuthProfile,
    config: Mapping[str, Any],
    credentials: Mapping[str, Any],
    connection_key: str,
) -> str:
    """Who shares a bucket: ``per_connection`` one source; ``per_account`` every source with the
    same config (the same upstream account or site); ``per_user`` the same config and the same
    non-secret credentials (email, username, client id); ``per_token`` the same credentials, secrets
    included. Digests, so no secret is kept as a key."""
    slug = descriptor.metadata.slug
    if scope == "per_connection":
        return cache_key(slug, scope, connection_key)
    if scope == "per_account":
        return cache_key(slug, scope, config)
    if scope == "per_user":
        public = {
            key: value
            for key, value in credentials.items()
            if not (field := profile.field(key)) or not field.is_sensitive
            if key not in ("client_secret", "password", "access_token", "refresh_token")
        }
        return cache_key(slug, scope, config, public)
    return cache_key(slug, scope, credentials)


def _profile(descriptor: Descriptor, auth_type: str | None) -> AuthProfile:
    profile = descriptor.auth_profile(auth_type)
    if profile is None:
        raise ConfigurationProblem(f"the descriptor has no authentication profile {auth_type!r}")
    return profile


@functools.lru_cache(maxsize=256)
def _validator(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_text))


def _check_schema(operation: Operation, response: ApiResponse) -> None:
    schema_text = json.dumps(operation.response_schema, sort_keys=True)
    error = best_match(_validator(schema_text).iter_errors(response.body))
    if error is None:
        return
    message = error.message
    if len(message) > ERROR_MESSAGE_MAX:
        message = message[:ERROR_MESSAGE_MAX] + "…"
    raise ApiError(
        response.status,
        f"{operation.operation_id}: the response does not match response_schema at "
        f"{error.json_path}: {message}",
        response.body,
    )
