"""Registration (protocol §4.1): heartbeats answered cheaply, other manifests checked and stored.

Connectors re-register every 30 s, so the common case is an online connector re-sending the
manifest it sent last time. A body whose digest is stored was validated when it was stored
(validation is a pure function of the body), so such a heartbeat is answered from memory when this
replica stored the digest (``HeartbeatBuffer``, flushed once a second), and otherwise costs one
UPDATE keyed by the digest. Only a new or changed manifest is validated and written.
"""

from __future__ import annotations

import hashlib

import orjson
import structlog

from sluice_manager.errors import ManagerError
from sluice_manager.registry import repository
from sluice_manager.registry.heartbeats import HeartbeatBuffer
from sluice_manager.registry.manifest_checks import manifest_problem
from sluice_manager.services import Services
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


class Registry:
    """Registrations over the app's Services, with the replica's heartbeat buffer."""

    __slots__ = ("_clock", "_connectors", "_pool", "_ttl_seconds", "heartbeats")

    def __init__(self, services: Services, heartbeats: HeartbeatBuffer) -> None:
        self.heartbeats = heartbeats
        # Unpacked once: heartbeats are the manager's busiest path (one per connector per 30 s).
        self._pool = services.pool
        self._clock = services.clock
        self._connectors = services.connectors
        self._ttl_seconds = services.settings.registry_ttl_seconds

    async def heartbeat(self, raw: bytes, digest: str) -> bool:
        """Refresh the connector whose stored manifest is exactly ``raw`` (``digest`` is its
        ``manifest_digest``); False when it is not (unknown, changed, offline): then ``register``
        decides."""
        now = self._clock.now()
        if self.heartbeats.accept(digest, now):
            return True
        hint = _connector_id_hint(raw)
        if hint is not None and await repository.touch(
            self._pool,
            connector_id=hint,
            manifest_sha256=digest,
            now=now,
            ttl_seconds=self._ttl_seconds,
        ):
            self.heartbeats.remember(digest, hint, now)
            return True
        return False

    async def register(self, manifest: ConnectorManifest, digest: str) -> None:
        """Check and store ``manifest`` (its body's ``manifest_digest`` is ``digest``);
        RegistrationRejected if refused."""
        problem = manifest_problem(manifest)
        if problem is not None:
            raise RegistrationRejected(problem)
        now = self._clock.now()
        registration = repository.Registration(
            connector_id=manifest.connector_id,
            connector_url=manifest.connector_url,
            manifest=manifest.model_dump(mode="json"),
            source_types=manifest.source_types,
            sync_modes=list(manifest.sync_modes),
            manifest_sha256=digest,
        )
        # Known, online and at the same URL: the health check may be skipped (§4.1 step 6).
        if await repository.heartbeat(self._pool, registration, now, self._ttl_seconds):
            self.heartbeats.remember(digest, manifest.connector_id, now)
            return
        url = manifest.connector_url
        if not await self._connectors.healthy(url):
            raise RegistrationRejected(f"connector health check failed at {url}")
        await repository.upsert(self._pool, registration, now)
        self.heartbeats.remember(digest, manifest.connector_id, now)
        log.info(
            "connector_registered",
            connector_id=manifest.connector_id,
            connector_url=url,
            source_types=manifest.source_types,
        )
