"""``POST /sdk/register`` (protocol §4.1): the HTTP side of ``sluice_manager.registry``.

The body is read in protocol order (size, then media type); an unchanged re-registration (a
heartbeat) is answered without parsing it, and anything else is validated here and handed to the
registry, whose refusals (``RegistrationRejected``) the HTTP layer answers with the 400 of §4.1.
"""

from __future__ import annotations

from aiohttp import web

from sluice_manager.http.body import check_json_content_type, read_bytes, validate_json_bytes
from sluice_manager.http.errors import ok
from sluice_manager.registry import REGISTRY
from sluice_manager.registry.registration import manifest_digest
from sluice_manager.services import SERVICES
from sluice_sdk.models import MANIFEST_ADAPTER


async def register(request: web.Request) -> web.Response:
    app = request.app
    raw = await read_bytes(request, app[SERVICES].settings.max_json_body_bytes)
    check_json_content_type(request)
    registry = app[REGISTRY]
    digest = manifest_digest(raw)
    if not await registry.heartbeat(raw, digest):
        await registry.register(validate_json_bytes(MANIFEST_ADAPTER, raw), digest)
    return ok()
