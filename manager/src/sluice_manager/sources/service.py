"""Admin writes to sources: create, update, soft delete, each validated before anything is written.

Config and credentials are checked against the schemas of the newest manifest registered for the
source type, online or offline (§8.1 keeps offline manifests for this). No manifest → accepted.
A declarative source is checked against its pinned descriptor instead (``pinning``), and its auth
profile's test endpoint must pass (``upstream``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import structlog

from sluice_manager.ids import new_id
from sluice_manager.registry.repository import latest_manifest_for_type
from sluice_manager.services import Services
from sluice_manager.sources import pinning, upstream
from sluice_manager.sources.crypto import SecretBox
from sluice_manager.sources.errors import InvalidSource, SourceNotFound, UnknownSourceType
from sluice_manager.sources.models import (
    AdminSource,
    CredentialInput,
    CredentialSummary,
    SourceCreate,
    SourcePatch,
)
from sluice_manager.sources.repository import SourceRecord, source_record
from sluice_manager.sources.validation import config_errors
from sluice_sql.query_loader import QUERIES

log = structlog.get_logger(__name__)

ADMIN_PRINCIPAL = "admin"  # §4.0 created_by: opaque; every admin token is the same principal


def admin_source(row: asyncpg.Record) -> AdminSource:
    """A source row joined with its credential metadata (select_live_source_with_credential)."""
    rec = source_record(row)
    credential = None
    if row["credential_id"] is not None:
        credential = CredentialSummary(
            id=row["credential_id"],
            provider=row["provider"],
            auth_type=row["auth_type"],
            principal_email=row["principal_email"],
            expires_at=row["expires_at"],
            created_at=row["credential_created_at"],
            updated_at=row["credential_updated_at"],
        )
    return AdminSource(
        id=rec.id,
        name=rec.name,
        source_type=rec.source_type,
        descriptor=pinning.current_pin(rec),
        config=rec.config or {},
        is_active=rec.is_active,
        is_deleted=rec.is_deleted,
        deleted_at=rec.deleted_at,
        sync_interval_seconds=rec.sync_interval_seconds,
        sync_cron=rec.sync_cron,
        checkpoint=rec.checkpoint,
        connector_state=rec.connector_state,
        user_filter_mode=rec.user_filter_mode,
        user_whitelist=rec.user_whitelist,
        user_blacklist=rec.user_blacklist,
        prune_on_full_sync=rec.prune_on_full_sync,
        created_by=rec.created_by,
        created_at=rec.created_at,
        updated_at=rec.updated_at,
        has_credentials=credential is not None,
        credential=credential,
        owner_email=rec.owner_email,
    )


async def _schemas(
    pool: asyncpg.Pool, source_type: str, *, allow_unknown_type: bool
) -> tuple[Any, Any]:
    connector = await latest_manifest_for_type(pool, source_type)
    if connector is None:
        if not allow_unknown_type:
            raise UnknownSourceType(source_type)
        return None, None
    manifest = connector.manifest
    return manifest.get("config_schema"), manifest.get("credentials_schema")


async def _validate(
    pool: asyncpg.Pool,
    source_type: str,
    config: dict[str, Any] | None,
    credentials: CredentialInput | None,
    *,
    allow_unknown_type: bool = True,
) -> None:
    """InvalidSource when the config or the credential secret fails the manifest's schema;
    UnknownSourceType when no connector declares the type, unless ``allow_unknown_type``."""
    config_schema, credentials_schema = await _schemas(
        pool, source_type, allow_unknown_type=allow_unknown_type
    )
    if config is not None and isinstance(config_schema, dict):
        problem = config_errors(config_schema, config)
        if problem is not None:
            raise InvalidSource("config", problem)
    if credentials is not None and isinstance(credentials_schema, dict):
        problem = config_errors(credentials_schema, credentials.credentials, redact=True)
        if problem is not None:
            # The problem names the path and rule, never the secret value itself.
            raise InvalidSource("credentials", problem)


async def _write_credential(
    conn: asyncpg.Connection, box: SecretBox, source_id: str, cred: CredentialInput, now: datetime
) -> None:
    await conn.execute(
        QUERIES.upsert_credential,
        new_id(),
        source_id,
        cred.provider,
        cred.auth_type,
        cred.principal_email,
        box.encrypt(cred.credentials),
        cred.config,
        cred.expires_at,
        now,
    )


async def load_admin_source(conn: asyncpg.Pool | asyncpg.Connection, source_id: str) -> AdminSource:
    row = await conn.fetchrow(QUERIES.select_live_source_with_credential, source_id)
    if row is None:
        raise SourceNotFound(source_id)
    return admin_source(row)


async def create_source(
    services: Services, body: SourceCreate, *, allow_unknown_type: bool = False
) -> AdminSource:
    pool, now = services.pool, services.clock.now()
    config, credentials = body.config, body.credentials
    pin: tuple[str | None, str | None] = (None, None)
    if body.descriptor is not None:
        pinned = await pinning.resolve(pool, body.descriptor)
        checked = pinning.check_input(pinned, config, credentials)
        upstream.require_passing(await upstream.try_credentials(services.settings, pinned, checked))
        config, credentials, pin = checked.config, checked.credential, (pinned.slug, pinned.version)
    else:
        await _validate(pool, body.kind, config, credentials, allow_unknown_type=allow_unknown_type)
    interval, cron = body.schedule()
    source_id = new_id()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            QUERIES.insert_source,
            source_id,
            body.name,
            body.kind,
            config,
            body.is_active,
            interval,
            cron,
            body.user_filter_mode,
            body.user_whitelist,
            body.user_blacklist,
            body.prune_on_full_sync,
            ADMIN_PRINCIPAL,
            now,
            *pin,
        )
        if credentials is not None:
            await _write_credential(conn, services.secrets, source_id, credentials, now)
        if body.owner_email is not None:
            await conn.execute(QUERIES.update_source_owner_email, source_id, body.owner_email, now)
        created = await load_admin_source(conn, source_id)
    log.info(
        "source_created",
        source_id=source_id,
        source_type=body.kind,
        descriptor=pin[0],
        version=pin[1],
    )
    return created


def _merged(rec: SourceRecord, patch: SourcePatch) -> dict[str, Any]:
    given = patch.model_fields_set
    interval, cron = rec.sync_interval_seconds, rec.sync_cron
    # Naming one schedule replaces the other: a source has at most one (§9.3).
    if "sync_interval_seconds" in given:
        interval = patch.sync_interval_seconds
        if patch.sync_interval_seconds is not None and "sync_cron" not in given:
            cron = None
    if "sync_cron" in given:
        cron = patch.sync_cron
        if patch.sync_cron is not None and "sync_interval_seconds" not in given:
            interval = None

    def pick(name: str, current: Any, *, nullable: bool = False) -> Any:
        if name not in given:
            return current
        value = getattr(patch, name)
        return current if value is None and not nullable else value

    return {
        "name": pick("name", rec.name),
        "config": pick("config", rec.config),
        "is_active": pick("is_active", rec.is_active),
        "sync_interval_seconds": interval,
        "sync_cron": cron,
        "user_filter_mode": pick("user_filter_mode", rec.user_filter_mode),
        "user_whitelist": pick("user_whitelist", rec.user_whitelist, nullable=True),
        "user_blacklist": pick("user_blacklist", rec.user_blacklist, nullable=True),
        "prune_on_full_sync": pick("prune_on_full_sync", rec.prune_on_full_sync),
    }


async def update_source(services: Services, source_id: str, patch: SourcePatch) -> AdminSource:
    pool, now = services.pool, services.clock.now()
    given = patch.model_fields_set
    current = await pool.fetchrow(QUERIES.select_source_by_id, source_id)
    if current is None or current["is_deleted"]:
        raise SourceNotFound(source_id)
    plan = await pinning.plan_patch(pool, services.secrets, source_record(current), patch)
    if plan is None:
        await _validate(
            pool,
            current["source_type"],
            patch.config if "config" in given else None,
            patch.credentials if "credentials" in given else None,
        )
    else:
        result = await upstream.try_credentials(services.settings, plan.pinned, plan.checked)
        upstream.require_passing(result)
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(QUERIES.select_source_for_update, source_id)
        if row is None:
            raise SourceNotFound(source_id)
        merged = _merged(source_record(row), patch)
        if plan is not None and plan.write_config:
            merged["config"] = plan.checked.config
        await conn.execute(
            QUERIES.update_source_settings,
            source_id,
            merged["name"],
            merged["config"],
            merged["is_active"],
            merged["sync_interval_seconds"],
            merged["sync_cron"],
            merged["user_filter_mode"],
            merged["user_whitelist"],
            merged["user_blacklist"],
            merged["prune_on_full_sync"],
            now,
        )
        if plan is not None and plan.pin_changed:
            await conn.execute(
                QUERIES.update_source_descriptor_pin,
                source_id,
                plan.pinned.slug,
                plan.pinned.version,
                now,
            )
        if plan is not None:
            if plan.write_credential:
                await _write_credential(
                    conn, services.secrets, source_id, plan.checked.credential, now
                )
        elif "credentials" in given:
            if patch.credentials is None:
                await conn.execute(QUERIES.delete_credential, source_id)
            else:
                await _write_credential(conn, services.secrets, source_id, patch.credentials, now)
        if "owner_email" in given:
            await conn.execute(QUERIES.update_source_owner_email, source_id, patch.owner_email, now)
        updated = await load_admin_source(conn, source_id)
    log.info("source_updated", source_id=source_id, fields=sorted(given))
    return updated


async def delete_source(services: Services, source_id: str) -> None:
    """Soft delete: the leader cancels its runs (§8.4), cleanup purges its data later."""
    gone = await services.pool.fetchval(QUERIES.soft_delete_source, source_id, services.clock.now())
    if gone is None:
        raise SourceNotFound(source_id)
    log.info("source_deleted", source_id=source_id)
