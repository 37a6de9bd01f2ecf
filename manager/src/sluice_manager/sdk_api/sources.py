"""The §4.7 SDK reads: Source object, SyncConfig, Credential, owner email, sources by type;
connector_state. Each checks a scoped token's reach first (``sdk_api.scope``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from sluice_manager.http.body import read_stored_json
from sluice_manager.http.errors import json_response, not_found, ok
from sluice_manager.openapi import describe
from sluice_manager.sdk_api.scope import allow_source, allow_source_type
from sluice_manager.services import SERVICES
from sluice_manager.sources import repository
from sluice_manager.sources.errors import SourceNotFound
from sluice_sdk.models import CredentialObject, SourceObject, StatusResponse, SyncConfig
from sluice_sql.query_loader import QUERIES


class UserEmail(BaseModel):
    """``GET /sdk/source/{source_id}/user-email``."""

    email: str


def _source_id(request: web.Request) -> str:
    source_id = request.match_info["source_id"]
    if "\x00" in source_id:  # Postgres cannot hold it, so no such source exists
        raise SourceNotFound(source_id.replace("\x00", "\\0"))
    return source_id


async def get_source(request: web.Request) -> web.Response:
    """Also inactive or deleted sources: a connector winding down may still ask."""
    source_id = _source_id(request)
    await allow_source(request, source_id)
    rec = await repository.get_source(request.app[SERVICES].pool, source_id)
    if rec is None:
        raise SourceNotFound(source_id)
    return json_response(repository.source_object(rec))


async def get_sync_config(request: web.Request) -> web.Response:
    source_id = _source_id(request)
    await allow_source(request, source_id)
    services = request.app[SERVICES]
    config = await repository.get_sync_config(services.pool, source_id, services.secrets)
    if config is None:
        raise SourceNotFound(source_id)
    return json_response(config)


async def put_connector_state(request: web.Request) -> web.Response:
    """Any JSON value, unwrapped; replaces the state whatever the runs are doing."""
    source_id = _source_id(request)
    await allow_source(request, source_id)
    services = request.app[SERVICES]
    state = await read_stored_json(request, services.settings, "connector_state")
    found = await services.pool.fetchval(
        QUERIES.update_source_connector_state, source_id, state, services.clock.now()
    )
    if found is None:
        raise SourceNotFound(source_id)
    return ok()


async def get_credentials(request: web.Request) -> web.Response:
    source_id = _source_id(request)
    await allow_source(request, source_id)
    services = request.app[SERVICES]
    cred = await repository.get_credential_object(services.pool, source_id, services.secrets)
    if cred is None:
        if await repository.get_source(services.pool, source_id) is None:
            raise SourceNotFound(source_id)
        raise not_found(f"source {source_id} has no credential")
    return json_response(cred)


async def get_user_email(request: web.Request) -> web.Response:
    """The email of the person who owns the source (Omni's getUserEmailForSource)."""
    source_id = _source_id(request)
    await allow_source(request, source_id)
    rec = await repository.get_source(request.app[SERVICES].pool, source_id)
    if rec is None:
        raise SourceNotFound(source_id)
    if rec.owner_email is None:
        raise not_found(f"source {source_id} has no owner email")
    return json_response({"email": rec.owner_email})


async def sources_by_type(request: web.Request) -> web.Response:
    source_type = request.match_info["source_type"]
    allow_source_type(request, source_type)
    if "\x00" in source_type:
        return json_response([])
    recs = await repository.sources_by_type(request.app[SERVICES].pool, source_type)
    return json_response([repository.source_object(rec) for rec in recs])


def setup(app: web.Application) -> None:
    app.router.add_get("/sdk/source/{source_id}", get_source)
    app.router.add_get("/sdk/source/{source_id}/sync-config", get_sync_config)
    app.router.add_put("/sdk/source/{source_id}/connector-state", put_connector_state)
    app.router.add_get("/sdk/source/{source_id}/user-email", get_user_email)
    app.router.add_get("/sdk/credentials/{source_id}", get_credentials)
    app.router.add_get("/sdk/sources/by-type/{source_type}", sources_by_type)
    describe("GET", "/sdk/source/{source_id}", response=SourceObject)
    describe("GET", "/sdk/source/{source_id}/sync-config", response=SyncConfig)
    describe("PUT", "/sdk/source/{source_id}/connector-state", request=Any, response=StatusResponse)
    describe("GET", "/sdk/source/{source_id}/user-email", response=UserEmail)
    describe("GET", "/sdk/credentials/{source_id}", response=CredentialObject)
    describe("GET", "/sdk/sources/by-type/{source_type}", response=list[SourceObject])
