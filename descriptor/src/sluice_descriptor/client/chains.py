"""Credential chains: steps run in order, each rendering its endpoint, headers, body and query over
the credentials and the names earlier steps extracted, then extracting new names by JSONPath.

A step's values are cached under its rendered ``cache_key`` (default: chain, step and connection)
for ``ttl_seconds``; a step without a TTL is cached until ``invalidate`` (a 401 upstream), which
re-runs the whole chain.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from sluice_descriptor.client.clock import epoch
from sluice_descriptor.client.context import evaluate, query_pairs, render, render_map
from sluice_descriptor.client.errors import ApiError, AuthFailed, ConfigurationProblem
from sluice_descriptor.client.tokens import CachedValue, TokenCache, cache_key
from sluice_descriptor.client.transport import Outgoing, Transport
from sluice_descriptor.jsonpaths import JsonPathError, first
from sluice_descriptor.model import ChainStep, CredentialChain


class ChainRunner:
    def __init__(
        self,
        chain: CredentialChain,
        *,
        transport: Transport,
        cache: TokenCache,
        namespace: str,
        connection_key: str,
    ) -> None:
        self.chain = chain
        self.transport = transport
        self.cache = cache
        self.namespace = namespace
        self.connection_key = connection_key
        self.name = chain.chain_id or "credential chain"
        self._used_keys: set[str] = set()

    async def values(self, ctx: Mapping[str, Any]) -> dict[str, Any]:
        """Every name the steps extracted (the final credential among them)."""
        missing = [key for key in self.chain.initial_credentials_required if key not in ctx]
        if missing:
            raise ConfigurationProblem(
                f"credential chain {self.name} needs {', '.join(sorted(missing))}"
            )
        extracted: dict[str, Any] = {}
        for index, step in enumerate(self.chain.steps):
            step_ctx = {**ctx, **extracted}
            key = self._step_key(index, step, step_ctx)
            self._used_keys.add(key)

            async def fetch(
                step: ChainStep = step,
                step_ctx: dict[str, Any] = step_ctx,
                key: str = key,
                index: int = index,
            ) -> CachedValue:
                values = await self._run(index, step, step_ctx)
                expires = None
                if step.ttl_seconds is not None:
                    expires = epoch(self.transport.clock) + step.ttl_seconds
                return self.cache.put(key, values, expires)

            cached = await self.cache.get_or_fetch(key, self.transport.clock, fetch)
            extracted.update(cached.values)
        final = self.chain.final_credential_name
        if extracted.get(final) in (None, ""):
            raise ConfigurationProblem(f"credential chain {self.name} extracted no {final}")
        return extracted

    def invalidate(self) -> None:
        for key in self._used_keys:
            self.cache.invalidate(key)
        self._used_keys.clear()

    def _step_key(self, index: int, step: ChainStep, ctx: Mapping[str, Any]) -> str:
        where = self._where(index, "cache_key")
        if step.cache_key:
            return cache_key(self.namespace, "chain-key", render(step.cache_key, ctx, where))
        return cache_key(self.namespace, "chain", self.name, step.step_name, self.connection_key)

    def _where(self, index: int, member: str) -> str:
        return f"credential chain {self.name} steps[{index}].{member}"

    async def _run(self, index: int, step: ChainStep, ctx: Mapping[str, Any]) -> dict[str, Any]:
        url = render(step.endpoint, ctx, self._where(index, "endpoint"))
        headers = render_map(step.headers, ctx, self._where(index, "headers"))
        query = [
            pair
            for name, text in step.query_params.items()
            for pair in query_pairs(name, render(text, ctx, self._where(index, f"query.{name}")))
        ]
        body = evaluate(step.body, ctx, self._where(index, "body")) if step.body else None
        json_body: Any = None
        form_body: str | None = None
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if body is not None and content_type.startswith("application/x-www-form-urlencoded"):
            form_body = urllib.parse.urlencode(body)
        else:
            json_body = body
        response = await self.transport.send(
            Outgoing(step.method, url, headers, query, json_body=json_body, form_body=form_body)
        )
        what = f"credential chain {self.name} step {step.step_name}"
        if 400 <= response.status < 500:
            # The step turns the user's credentials into a token: a refusal means they are wrong.
            raise AuthFailed(response.status, f"{what} was refused ({response.status})")
        if not 200 <= response.status < 300:
            raise ApiError(response.status, f"{what} answered {response.status}", response.body)
        values: dict[str, Any] = {}
        for name, expression in step.extract.items():
            try:
                value = first(expression, response.body)
            except JsonPathError as exc:
                raise ConfigurationProblem(f"{what}: {exc}") from exc
            if value is None:
                raise ConfigurationProblem(
                    f"{what}: extract.{name} ({expression}) selected nothing in the response"
                )
            values[name] = value
        return values
