"""``/ui/catalog``: descriptors by status, a descriptor's versions, one version with publish and
archive, and validating (then pushing as a draft) a pasted descriptor, problems at their lines."""

from __future__ import annotations

from aiohttp import web

from sluice_manager.catalog import service
from sluice_manager.catalog.models import STATUSES, DescriptorPatch
from sluice_manager.catalog.repository import page, summary
from sluice_manager.console.render import form, path_part, render, see_other, services_of
from sluice_manager.errors import ManagerError
from sluice_manager.http.errors import HttpError
from sluice_manager.http.statuses import status_of

LIST_LIMIT = 500
# The state change each button asks for.
_ACTIONS = {"publish": "published", "archive": "archived"}


async def catalog(request: web.Request) -> web.Response:
    pool = services_of(request).pool
    groups = []
    for status in STATUSES:
        rows = await page(
            pool,
            category=None,
            tag=None,
            status=status,
            visibility=None,
            slug=None,
            text=None,
            limit=LIST_LIMIT,
        )
        groups.append((status, [summary(row) for row in rows]))
    return render(request, "catalog.html.j2", {"groups": groups})


async def versions(request: web.Request) -> web.Response:
    slug = path_part(request, "slug", "descriptor")
    found = await service.list_versions(services_of(request).pool, slug)
    return render(request, "catalog_versions.html.j2", {"found": found})


async def version(request: web.Request) -> web.Response:
    slug = path_part(request, "slug", "descriptor")
    number = path_part(request, "version", "descriptor")
    detail = await service.get_version(services_of(request).pool, slug, number)
    return render(request, "catalog_version.html.j2", {"d": detail})


async def change(request: web.Request) -> web.Response:
    slug = path_part(request, "slug", "descriptor")
    number = path_part(request, "version", "descriptor")
    action = path_part(request, "action", "page")
    if action not in _ACTIONS:
        raise HttpError(404, "page not found")
    await form(request)
    services = services_of(request)
    patch = DescriptorPatch.model_validate({"status": _ACTIONS[action]})
    await service.change_state(services.pool, slug, number, patch, services.clock.now())
    return see_other(f"/ui/catalog/{slug}/{number}")


def _validated(request: web.Request, text: str) -> dict[str, object]:
    max_depth = services_of(request).settings.max_json_depth
    return {"text": text, "report": service.validate_text(text, max_depth=max_depth)}


async def validate_form(request: web.Request) -> web.Response:
    return render(request, "catalog_validate.html.j2", {"text": "", "report": None, "error": None})


async def validate(request: web.Request) -> web.Response:
    data = await form(request)
    text = data.get("descriptor", "")
    context = {**_validated(request, text), "error": None}
    if data.get("action") != "push":
        return render(request, "catalog_validate.html.j2", context)
    services = services_of(request)
    try:
        pushed = await service.push(
            services.pool,
            text,
            status=None,
            visibility=None,
            now=services.clock.now(),
            max_depth=services.settings.max_json_depth,
        )
    except ManagerError as exc:
        status = status_of(exc)
        if status is None or status >= 500:
            raise
        context["error"] = str(exc)
        return render(request, "catalog_validate.html.j2", context, status=status)
    return see_other(f"/ui/catalog/{pushed.slug}/{pushed.version}")


def setup(app: web.Application) -> None:
    app.router.add_get("/catalog", catalog)
    app.router.add_get("/catalog/validate", validate_form)
    app.router.add_post("/catalog/validate", validate)
    app.router.add_get("/catalog/{slug}", versions)
    app.router.add_get("/catalog/{slug}/{version}", version)
    app.router.add_post("/catalog/{slug}/{version}/{action}", change)
