"""An operation call as an HTTP request: the endpoint template rendered with path parameters
percent-encoded, query and header parameters, and body parameters as one JSON object."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from sluice_descriptor.client.context import query_pairs, render
from sluice_descriptor.client.errors import ConfigurationProblem
from sluice_descriptor.client.transport import Outgoing
from sluice_descriptor.functions import text_of
from sluice_descriptor.model import Operation

BASE_URL_KEY = "base_url"
"""The source config key a relative endpoint (``/rest/api/2/issue``) is joined to."""


def absolute_url(url: str, config: Mapping[str, Any], where: str) -> str:
    """``url`` when it has a scheme; else joined to the source config's ``base_url``."""
    if urllib.parse.urlsplit(url).scheme:
        return url
    base = config.get(BASE_URL_KEY)
    if not base:
        raise ConfigurationProblem(
            f"{where}: {url!r} is a relative URL and the source config has no {BASE_URL_KEY}"
        )
    return f"{str(base).rstrip('/')}/{url.lstrip('/')}"


def build_request(
    operation: Operation,
    params: Mapping[str, Any],
    ctx: Mapping[str, Any],
    config: Mapping[str, Any],
    auth_headers: Mapping[str, str],
) -> Outgoing:
    """``params`` are validated (``sluice_descriptor.params.validated_params``); ``ctx`` is the
    template context without the parameters, which this adds."""
    where = f"operations[{operation.operation_id}]"
    endpoint_ctx = dict(ctx)
    query: list[tuple[str, str]] = []
    headers = dict(auth_headers)
    body: dict[str, Any] = {}
    for parameter in operation.parameters:
        if parameter.name not in params:
            continue
        value = params[parameter.name]
        if parameter.location == "path":
            endpoint_ctx[parameter.name] = urllib.parse.quote(text_of(value), safe="")
            continue
        endpoint_ctx[parameter.name] = value
        if parameter.location == "query":
            query += query_pairs(parameter.name, value)
        elif parameter.location == "header":
            headers[parameter.name] = text_of(value)
        else:
            body[parameter.name] = value
    url = absolute_url(render(operation.endpoint, endpoint_ctx, f"{where}.endpoint"), config, where)
    return Outgoing(
        operation.method,
        url,
        headers,
        query,
        json_body=body if body else None,
    )


def operation_auth_headers(
    operation: Operation, profile_type: str, ctx: Mapping[str, Any]
) -> dict[str, str] | None:
    """The operation's own auth headers rendered, or None when it leaves auth to the profile.

    ``auth_headers`` apply when the operation's ``auth_type_ref`` is the source's profile (they are
    written for that profile's fields); ``credential_field`` sends that value as a bearer token.
    """
    where = f"operations[{operation.operation_id}]"
    if operation.auth_headers and operation.auth_type_ref == profile_type:
        return {
            name: render(text, ctx, f"{where}.auth_headers.{name}")
            for name, text in operation.auth_headers.items()
        }
    if operation.credential_field:
        value = ctx.get(operation.credential_field)
        if value in (None, ""):
            raise ConfigurationProblem(
                f"{where}.credential_field: no value named {operation.credential_field!r}"
            )
        return {"Authorization": f"Bearer {text_of(value)}"}
    return None
