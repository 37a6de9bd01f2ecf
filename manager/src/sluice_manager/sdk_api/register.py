"""``POST /sdk/register`` (protocol §4.1): validate the manifest, health-check, upsert.

Connectors re-register every 30 s, so the common case is an online connector re-sending the
manifest it sent last time. A body whose digest is stored was validated when it was stored
(validation is a pure function of the body), so such a heartbeat is answered from memory when this
replica stored the digest (``sluice_manager.registry.heartbeats``, flushed once a second), and
otherwise costs one UPDATE keyed by the digest.
"""

from __future__ import annotations

import hashlib

import orjson
import structlog
from aiohttp import web

from sluice_manager.http.body import check_json_content_type, read_bytes, validate_json_bytes
from sluice_manager.http.errors import HttpError, ok
from sluice_manager.keys import CLOCK, CONNECTOR_HTTP, POOL, SETTINGS
from sluice_manager.registry import repository
from sluice_manager.registry.health_check import connector_healthy
from sluice_manager.registry.heartbeats import HEARTBEATS
from sluice_manager.registry.manifest_checks import manifest_problem
from sluice_sdk.models import MANIFEST_ADAPTER

log = structlog.get_logger(__name__)

# Changing the registration checks changes this salt, so digests stored by older code stop
# matching and every connector is validated again on its next heartbeat.
_DIGEST_SALT = b"sluice-manifest-checks-v1\n"


def manifest_digest(raw: bytes) -> str:
    """The key a stored manifest is known by: its bytes, salted by the version of the checks."""
    return hashlib.sha256(_DIGEST_SALT + raw).hexdigest()


def _connector_id_hint(raw: bytes) -> str | None:
    """The body's connector_id if it is plainly there; the slow path does the real validation."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(body, dict):
        value = body.get("connector_id")
        if isinstance(value, str):
            return value
    return None


async def register(request: web.Request) -> web.Response:
    raw = await read_bytes(request, request.app[SETTINGS].max_json_body_bytes)
    check_json_content_type(request)
    await register_manifest(request.app, raw)
    return ok()


async def register_manifest(app: web.Application, raw: bytes) -> None:
    """Register the manifest in ``raw`` (size and media type already checked); HttpError if not.

    Also called by ``sluice_manager.sdk_api.heartbeat_front`` for the requests it answers itself.
    """
    settings, pool = app[SETTINGS], app[POOL]
    now = app[CLOCK].now()
    ttl = settings.registry_ttl_seconds
    digest = manifest_digest(raw)
    buffer = app[HEARTBEATS]
    if buffer.accept(digest, now):
        return

    hint = _connector_id_hint(raw)
    if hint is not None and await repository.touch(
        pool, connector_id=hint, manifest_sha256=digest, now=now, ttl_seconds=ttl
    ):
        buffer.remember(digest, hint, now)
        return

    manifest = validate_json_bytes(MANIFEST_ADAPTER, raw)
    problem = manifest_problem(manifest)
    if problem is not None:
        raise HttpError(400, problem)
    registration = repository.Registration(
        connector_id=manifest.connector_id,
        connector_url=manifest.connector_url,
        manifest=manifest.model_dump(mode="json"),
        source_types=manifest.source_types,
        sync_modes=list(manifest.sync_modes),
        manifest_sha256=digest,
    )
    # Known, online and at the same URL: the health check may be skipped (§4.1 step 6).
    if await repository.heartbeat(pool, registration, now, ttl):
        buffer.remember(digest, manifest.connector_id, now)
        return

    token = settings.connector_token[0] if settings.connector_token else None
    session = app[CONNECTOR_HTTP]
    timeout = settings.health_check_timeout_seconds
    if not await connector_healthy(session, manifest.connector_url, token, timeout):
        raise HttpError(400, f"connector health check failed at {manifest.connector_url}")
    await repository.upsert(pool, registration, now)
    buffer.remember(digest, manifest.connector_id, now)
    log.info(
        "connector_registered",
        connector_id=manifest.connector_id,
        connector_url=manifest.connector_url,
        source_types=manifest.source_types,
    )
