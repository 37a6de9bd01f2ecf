"""``/ui/sources``: list, new (generated form), detail, edit, sync now, enable/disable, delete.

Writes go through ``sluice_manager.sources.service`` and the trigger, exactly as the admin API's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import structlog
from aiohttp import web
from pydantic import ValidationError

from sluice_manager.catalog.repository import page as catalog_page
from sluice_manager.console.render import form, path_part, render, see_other, services_of
from sluice_manager.console.source_forms import (
    UNCHANGED,
    FormProblem,
    SourceKind,
    browser_schema,
    given_secrets,
    json_object,
    kind_of_descriptor,
    kind_of_type,
    merged_credential,
    problems_of,
    schedule,
)
from sluice_manager.errors import ManagerError
from sluice_manager.http.errors import HttpError
from sluice_manager.http.statuses import status_of
from sluice_manager.registry.repository import list_connectors
from sluice_manager.runs.lifecycle import RunRecord
from sluice_manager.runs.trigger import trigger
from sluice_manager.scheduling.policy import Candidate, due_at
from sluice_manager.sources import service
from sluice_manager.sources.models import AdminSource, SourceCreate, SourcePatch
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

LIST_LIMIT = 500


def _next_due(source: AdminSource, last: datetime | None) -> datetime | str | None:
    """When the schedule next makes the source due (§9.3), given its last success; "now" before
    its first success."""
    if not source.is_active:
        return None
    when = due_at(Candidate(source.id, source.sync_interval_seconds, source.sync_cron, (), last))
    if when is not None and last is None:  # never synced: due as soon as a connector is online
        return "now"
    return when


async def list_sources(request: web.Request) -> web.Response:
    pool = services_of(request).pool
    sources = [
        service.admin_source(row)
        for row in await pool.fetch(QUERIES.select_sources_page, None, LIST_LIMIT)
    ]
    ids = [source.id for source in sources]
    # Two statements for the whole page, not two per source.
    last_runs = {
        row["source_id"]: RunRecord.from_row(row)
        for row in await pool.fetch(QUERIES.select_last_runs_of_sources, ids)
    }
    successes = {
        row["source_id"]: row["last_success"]
        for row in await pool.fetch(QUERIES.select_last_successes_of_sources, ids)
    }
    rows = [
        {
            "source": source,
            "last_run": last_runs.get(source.id),
            "next_due": _next_due(source, successes.get(source.id)),
        }
        for source in sources
    ]
    return render(request, "sources.html.j2", {"rows": rows})


async def _choices(request: web.Request) -> dict[str, Any]:
    services = services_of(request)
    now, ttl = services.clock.now(), services.settings.registry_ttl_seconds
    types: dict[str, bool] = {}
    for connector in await list_connectors(services.pool):
        for source_type in connector.source_types:
            types[source_type] = types.get(source_type, False) or connector.is_online(now, ttl)
    descriptors = await catalog_page(
        services.pool,
        category=None,
        tag=None,
        status="published",
        visibility=None,
        slug=None,
        text=None,
        limit=LIST_LIMIT,
    )
    return {"types": sorted(types.items()), "descriptors": descriptors}


async def _kind(request: web.Request, source_type: str, descriptor: str) -> SourceKind:
    pool = services_of(request).pool
    if descriptor:
        return await kind_of_descriptor(pool, descriptor)
    kind = await kind_of_type(pool, source_type)
    if kind is None:
        raise HttpError(404, f"no connector declares the source type {source_type!r}")
    return kind


def _form_page(
    request: web.Request,
    kind: SourceKind,
    values: dict[str, str],
    *,
    source: AdminSource | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> web.Response:
    editing = source is not None
    context = {
        "kind": kind,
        "source": source,
        "values": values,
        "problems": problems or [],
        "config_schema": browser_schema(kind.config_schema, secret=False, editing=editing),
        "credentials_schema": browser_schema(kind.credentials_schema, secret=True, editing=editing),
        "unchanged": UNCHANGED,
    }
    return render(request, "source_form.html.j2", context, status=status)


async def new_source(request: web.Request) -> web.Response:
    source_type = request.query.get("source_type", "").strip()
    descriptor = request.query.get("descriptor", "").strip()
    if not source_type and not descriptor:
        return render(request, "source_new.html.j2", await _choices(request))
    kind = await _kind(request, source_type, descriptor)
    values = {"name": "", "sync_interval_seconds": "3600", "sync_cron": "", "config_json": "{}"}
    return _form_page(request, kind, values)


def _problems(exc: Exception) -> list[str] | None:
    """What to show above the form for an error the operator can fix; None for others."""
    if isinstance(exc, FormProblem):
        return exc.problems
    if isinstance(exc, ValidationError):
        return problems_of(exc)
    if isinstance(exc, ManagerError) and status_of(exc) in (400, 404, 409, 422):
        details = getattr(exc, "details", None) or {}
        extra = details.get("problems") if isinstance(details, dict) else None
        return [str(exc)] + [str(p) for p in extra or []]
    return None


def _values(data: dict[str, str]) -> dict[str, str]:
    """What the form shows again when it has a problem (never the credentials)."""
    names = ("name", "sync_interval_seconds", "sync_cron", "config_json")
    return {name: data.get(name, "") for name in names}


def _body(values: dict[str, str], data: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The source members the form gives, and the credential values typed; FormProblem."""
    body: dict[str, Any] = {
        "name": values["name"].strip(),
        "config": json_object(values["config_json"], "Configuration"),
        **schedule(values["sync_interval_seconds"], values["sync_cron"]),
    }
    return body, given_secrets(json_object(data.get("credentials_json", ""), "Credentials"))


async def create_source(request: web.Request) -> web.Response:
    data = await form(request)
    kind = await _kind(
        request, data.get("source_type", "").strip(), data.get("descriptor", "").strip()
    )
    values = _values(data)
    try:
        body, typed = _body(values, data)
        if kind.descriptor_slug is not None:
            body["descriptor"] = {"slug": kind.descriptor_slug}
        else:
            body["source_type"] = kind.source_type
        if typed:
            body["credentials"] = {"credentials": typed}
        created = await service.create_source(
            services_of(request), SourceCreate.model_validate(body)
        )
    except Exception as exc:
        problems = _problems(exc)
        if problems is None:
            raise
        return _form_page(request, kind, values, problems=problems, status=422)
    return see_other(f"/ui/sources/{created.id}")


async def _source(request: web.Request) -> AdminSource:
    return await service.load_admin_source(
        services_of(request).pool, path_part(request, what="source")
    )


async def show_source(request: web.Request) -> web.Response:
    return await _detail(request, await _source(request))


async def _detail(
    request: web.Request, source: AdminSource, *, error: str | None = None, status: int = 200
) -> web.Response:
    pool = services_of(request).pool
    rows = await pool.fetch(QUERIES.select_runs_page, source.id, None, 10)
    last = await pool.fetchval(QUERIES.select_last_success, source.id)
    context = {
        "source": source,
        "runs": [RunRecord.from_row(row) for row in rows],
        "next_due": _next_due(source, last),
        "error": error,
    }
    return render(request, "source.html.j2", context, status=status)


async def _kind_of_source(request: web.Request, source: AdminSource) -> SourceKind:
    pool = services_of(request).pool
    if source.descriptor is not None:
        return await kind_of_descriptor(pool, source.descriptor.slug)
    kind = await kind_of_type(pool, source.source_type)
    return kind or SourceKind(source.source_type, None, source.source_type, None, None)


def _edit_values(source: AdminSource) -> dict[str, str]:
    interval = source.sync_interval_seconds
    return {
        "name": source.name,
        "sync_interval_seconds": "" if interval is None else str(interval),
        "sync_cron": source.sync_cron or "",
        "config_json": orjson.dumps(source.config, option=orjson.OPT_INDENT_2).decode(),
    }


async def edit_source(request: web.Request) -> web.Response:
    source = await _source(request)
    return _form_page(
        request, await _kind_of_source(request, source), _edit_values(source), source=source
    )


async def save_source(request: web.Request) -> web.Response:
    source = await _source(request)
    services = services_of(request)
    data = await form(request)
    values = _values(data)
    try:
        body, typed = _body(values, data)
        credential = await merged_credential(services.pool, services.secrets, source.id, typed)
        if credential is not None:
            body["credentials"] = credential.model_dump()
        await service.update_source(services, source.id, SourcePatch.model_validate(body))
    except Exception as exc:
        problems = _problems(exc)
        if problems is None:
            raise
        kind = await _kind_of_source(request, source)
        return _form_page(request, kind, values, source=source, problems=problems, status=422)
    return see_other(f"/ui/sources/{source.id}")


async def sync_source(request: web.Request) -> web.Response:
    source = await _source(request)
    mode = (await form(request)).get("sync_mode", "full")
    if mode not in ("full", "incremental"):
        raise HttpError(400, "sync_mode must be full or incremental")
    try:
        run_id = await trigger(services_of(request), source.id, mode, "manual")
    except ManagerError as exc:
        status = status_of(exc) or 500
        if status >= 500 and getattr(exc, "sync_run_id", None) is None:
            raise
        return await _detail(request, source, error=str(exc), status=status)
    log.info("console_sync_started", source_id=source.id, sync_run_id=run_id, sync_mode=mode)
    return see_other(f"/ui/runs/{run_id}")


async def _set_active(request: web.Request, active: bool) -> web.Response:
    source = await _source(request)
    patch = SourcePatch.model_validate({"is_active": active})
    await service.update_source(services_of(request), source.id, patch)
    return see_other(f"/ui/sources/{source.id}")


async def enable_source(request: web.Request) -> web.Response:
    return await _set_active(request, True)


async def disable_source(request: web.Request) -> web.Response:
    return await _set_active(request, False)


async def delete_source(request: web.Request) -> web.Response:
    source = await _source(request)
    await service.delete_source(services_of(request), source.id)
    return see_other("/ui/sources")


def setup(app: web.Application) -> None:
    app.router.add_get("/sources", list_sources)
    app.router.add_post("/sources", create_source)
    app.router.add_get("/sources/new", new_source)
    app.router.add_get("/sources/{id}", show_source)
    app.router.add_get("/sources/{id}/edit", edit_source)
    app.router.add_post("/sources/{id}/edit", save_source)
    app.router.add_post("/sources/{id}/sync", sync_source)
    app.router.add_post("/sources/{id}/enable", enable_source)
    app.router.add_post("/sources/{id}/disable", disable_source)
    app.router.add_post("/sources/{id}/delete", delete_source)
