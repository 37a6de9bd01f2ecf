"""``POST /sdk/register`` (protocol §4.1): the HTTP side of ``sluice_manager.registry``.

The body is read in protocol order (size, then media type); an unchanged re-registration (a
heartbeat) is answered without parsing it, and anything else is validated here and handed to the
registry, whose refusals (``RegistrationRejected``) the HTTP layer answers with the 400 of §4.1.
A scoped connector token registers only its own connector id, with only its types (403).
"""

from __future__ import annotations

import orjson
from aiohttp import web

from sluice_manager.http.body import check_json_content_type, read_bytes, validate_json_bytes
from sluice_manager.http.errors import ok
from sluice_manager.http.json_limits import JsonLimits
from sluice_manager.registry import REGISTRY
from sluice_manager.registry.registration import connector_id_hint, manifest_digest
from sluice_manager.sdk_api.scope import allow_registration, registering_as
from sluice_manager.services import SERVICES
from sluice_sdk.models import MANIFEST_ADAPTER


async def register(request: web.Request) -> web.Response:
    app = request.app
    raw = await read_bytes(request, app[SERVICES].settings.max_json_body_bytes)
    check_json_content_type(request)
    registry = app[REGISTRY]
    digest = manifest_digest(raw)
    # A scoped token registers its own connector only (§2): refused before anything is touched,
    # and again on the validated manifest, which also names the types.
    only = registering_as(request)
    if only is not None:
        allow_registration(request, connector_id_hint(raw), ())
    if not await registry.heartbeat(raw, digest, only=only):
        manifest = validate_json_bytes(MANIFEST_ADAPTER, raw)
        # Stored whole (its schemas are free JSON): the stored-value limits (§1.3).
        limits = JsonLimits.of(app[SERVICES].settings)
        limits.check(orjson.loads(raw), "manifest", size=len(raw))
        allow_registration(request, manifest.connector_id, manifest.source_types)
        await registry.register(manifest, digest)
    return ok()
