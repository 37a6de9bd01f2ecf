"""Registration (protocol §4.1): heartbeats answered cheaply, other manifests checked and stored.

Connectors re-register every 30 s, so the common case is an online connector re-sending the
manifest it sent last time. A body whose digest is stored was validated when it was stored
(validation is a pure function of the body), so such a heartbeat is answered from memory when this
replica stored the digest (``HeartbeatBuffer``, flushed once a second), and otherwise costs one
UPDATE keyed by the digest. Only a new or changed manifest is validated and written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import aiohttp
import asyncpg
import orjson
import structlog

from sluice_manager.errors import ManagerError
from sluice_manager.registry import repository
from sluice_manager.registry.health_check import connector_healthy
from sluice_manager.registry.heartbeats import HeartbeatBuffer
from sluice_manager.registry.manifest_checks import manifest_problem
from sluice_runtime.clock import Clock
from sluice_sdk.models import ConnectorManifest

log = structlog.get_logger(__name__)

# Changing the registration checks changes this salt, so digests stored by older code stop
# matching and every connector is validated again on its next heartbeat.
_DIGEST_SALT = b"sluice-manifest-checks-v1\n"


class RegistrationRejected(ManagerError):
    """A manifest that fails a registration check (§4.1 steps 2-6); ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def manifest_digest(raw: bytes) -> str:
    """The key a stored manifest is known by: its bytes, salted by the version of the checks."""
    return hashlib.sha256(_DIGEST_SALT + raw).hexdigest()


def _connector_id_hint(raw: bytes) -> str | None:
    """The body's connector_id if it is plainly there; the full path does the real validation."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if isinstance(body, dict):
        value = body.get("connector_id")
        if isinstance(value, str):
            return value
    return None


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything a registration needs, gathered once when the app starts."""

    pool: asyncpg.Pool
    clock: Clock
    heartbeats: HeartbeatBuffer
    ttl_seconds: float
    # The registration health check (§4.1 step 6) and the token it presents (§2.3).
    health_session: aiohttp.ClientSession
    health_token: str | None
    health_timeout_seconds: float

    async def heartbeat(self, raw: bytes) -> bool:
        """Refresh the connector whose stored manifest is exactly ``raw``; False when it is not
        (unknown, changed, offline): then ``register`` decides."""
        now = self.clock.now()
        digest = manifest_digest(raw)
        if self.heartbeats.accept(digest, now):
            return True
        hint = _connector_id_hint(raw)
        if hint is not None and await repository.touch(
            self.pool,
            connector_id=hint,
            manifest_sha256=digest,
            now=now,
            ttl_seconds=self.ttl_seconds,
        ):
            self.heartbeats.remember(digest, hint, now)
            return True
        return False

    async def register(self, manifest: ConnectorManifest, raw: bytes) -> None:
        """Check and store ``manifest`` (parsed from ``raw``); RegistrationRejected if refused."""
        problem = manifest_problem(manifest)
        if problem is not None:
            raise RegistrationRejected(problem)
        now = self.clock.now()
        digest = manifest_digest(raw)
        registration = repository.Registration(
            connector_id=manifest.connector_id,
            connector_url=manifest.connector_url,
            manifest=manifest.model_dump(mode="json"),
            source_types=manifest.source_types,
            sync_modes=list(manifest.sync_modes),
            manifest_sha256=digest,
        )
        # Known, online and at the same URL: the health check may be skipped (§4.1 step 6).
        if await repository.heartbeat(self.pool, registration, now, self.ttl_seconds):
            self.heartbeats.remember(digest, manifest.connector_id, now)
            return
        url = manifest.connector_url
        if not await connector_healthy(
            self.health_session, url, self.health_token, self.health_timeout_seconds
        ):
            raise RegistrationRejected(f"connector health check failed at {url}")
        await repository.upsert(self.pool, registration, now)
        self.heartbeats.remember(digest, manifest.connector_id, now)
        log.info(
            "connector_registered",
            connector_id=manifest.connector_id,
            connector_url=url,
            source_types=manifest.source_types,
        )
