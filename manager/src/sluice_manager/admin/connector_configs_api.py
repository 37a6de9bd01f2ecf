"""``/api/connector-configs``: per-provider connector configurations (protocol §4.7).

``PUT`` stores the body, a JSON object, whole and encrypted; ``GET`` and the listing say which
members are stored and when, never their values (only connectors read those, through
``GET /sdk/connector-configs/{provider}``), as the admin API never returns a credential's secret.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter

from sluice_manager import connector_configs
from sluice_manager.admin.common import read_body
from sluice_manager.connector_configs import PROVIDER_PATTERN, ConnectorConfigSummary
from sluice_manager.http.errors import bad_request, json_response
from sluice_manager.openapi import describe
from sluice_manager.services import SERVICES
from sluice_sdk.models import Timestamp

_OBJECT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


class ConnectorConfigView(BaseModel):
    provider: str
    keys: list[str]
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, summary: ConnectorConfigSummary) -> ConnectorConfigView:
        return cls(
            provider=summary.provider,
            keys=list(summary.keys),
            created_at=summary.created_at,
            updated_at=summary.updated_at,
        )


def _provider(request: web.Request) -> str:
    provider = request.match_info["provider"]
    if not connector_configs.is_provider(provider):
        raise bad_request(f"provider must match {PROVIDER_PATTERN}")
    return provider


def _view(summary: ConnectorConfigSummary) -> web.Response:
    body = ConnectorConfigView.of(summary).model_dump_json()
    return web.Response(body=body, content_type="application/json")


async def put_config(request: web.Request) -> web.Response:
    provider = _provider(request)
    config = await read_body(request, _OBJECT)
    services = request.app[SERVICES]
    summary = await connector_configs.put_config(
        services.pool, services.secrets, provider, config, services.clock.now()
    )
    return _view(summary)


async def get_config(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    summary = await connector_configs.config_summary(
        services.pool, services.secrets, _provider(request)
    )
    return _view(summary)


async def list_configs(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    summaries = await connector_configs.config_summaries(services.pool, services.secrets)
    return json_response([ConnectorConfigView.of(s).model_dump(mode="json") for s in summaries])


async def delete_config(request: web.Request) -> web.Response:
    provider = _provider(request)
    await connector_configs.delete_config(request.app[SERVICES].pool, provider)
    return json_response({"status": "deleted", "provider": provider})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/connector-configs", list_configs)
    app.router.add_put("/api/connector-configs/{provider}", put_config)
    app.router.add_get("/api/connector-configs/{provider}", get_config)
    app.router.add_delete("/api/connector-configs/{provider}", delete_config)
    describe("GET", "/api/connector-configs", response=list[ConnectorConfigView])
    describe(
        "PUT",
        "/api/connector-configs/{provider}",
        request=dict[str, Any],
        response=ConnectorConfigView,
    )
    describe("GET", "/api/connector-configs/{provider}", response=ConnectorConfigView)
    describe("DELETE", "/api/connector-configs/{provider}", response=dict[str, str])
