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
from sluice_manager.networks import url_problem
from sluice_manager.registry import repository
from sluice_manager.registry.errors import ConnectorNotFound, ConnectorOnline
from sluice_manager.registry.heartbeats import HeartbeatBuffer
from sluice_manager.registry.manifest_checks import manifest_problem
from sluice_manager.services import Services
from sluice_sdk.models import ConnectorManifest

log = structlog.get_logger(__name__)

# Changing the registration checks changes this salt, so digests stored by older code stop
# matching and every connector is validated again on its next heartbeat.
# v2: the stored manifest keeps full_sync_enumerates_all (§10.7).
_DIGEST_SALT = b"sluice-manifest-checks-v2\n"


class RegistrationRejected(ManagerError):
    """A manifest that fails a registration check (§4.1 steps 2-6); ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def manifest_digest(raw: bytes) -> str:
    """The key a stored manifest is known by: its bytes, salted by the version of the checks."""
    return hashlib.sha256(_DIGEST_SALT + raw).hexdigest()


def connector_id_hint(raw: bytes) -> str | None:
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

    __slots__ = ("_clock", "_connectors", "_networks", "_pool", "_ttl_seconds", "heartbeats")

    def __init__(self, services: Services, heartbeats: HeartbeatBuffer) -> None:
        self.heartbeats = heartbeats
        # Unpacked once: heartbeats are the manager's busiest path (one per connector per 30 s).
        self._pool = services.pool
        self._clock = services.clock
        self._connectors = services.connectors
        self._ttl_seconds = services.settings.registry_ttl_seconds
        self._networks = services.settings.connector_networks

    async def heartbeat(self, raw: bytes, digest: str, *, only: str | None = None) -> bool:
        """Refresh the connector whose stored manifest is exactly ``raw`` (``digest`` is its
        ``manifest_digest``); False when it is not (unknown, changed, offline, or not the
        connector ``only`` when given): then ``register`` decides."""
        now = self._clock.now()
        if self.heartbeats.accept(digest, now, connector_id=only):
            return True
        hint = connector_id_hint(raw)
        if only is not None and hint != only:
            return False
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
        problem = manifest_problem(manifest) or await url_problem(
            manifest.connector_url, self._networks
        )
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

    async def delete(self, connector_id: str) -> None:
        """Remove an offline connector's row (stale registrations need not stay listed).
        ConnectorOnline when it is online, ConnectorNotFound when there is none."""
        # This replica's buffered heartbeats go to the table first, so "offline" is what it knows.
        await self.heartbeats.flush(self._pool)
        if await repository.delete_offline(
            self._pool, connector_id, self._clock.now(), self._ttl_seconds
        ):
            self.heartbeats.forget(connector_id)
            log.info("connector_deleted", connector_id=connector_id)
            return
        if await repository.get_connector(self._pool, connector_id) is None:
            raise ConnectorNotFound(connector_id)
        raise ConnectorOnline(connector_id)
