"""``DeclarativeConnector``: one process serving every declarative source (docs/descriptor.md,
"Runtime").

A run reads the descriptor its source is pinned to from the sync-config (``descriptor``, a Sluice
addition of the wire), never from a database; it syncs the descriptor's streams (HTTP) and its
``database_config`` tables, in that order, saving the checkpoint after every page and batch. An
action request carries the descriptor too; its action is the operation of that id.

Rate limits and cached tokens live in process-wide registries, so every run and action of a
connection (and of an account, for ``per_account`` limits) draws from the same buckets.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pydantic

from sluice_connector_declarative.actions import operation_action
from sluice_connector_declarative.checkpoint import RunCheckpoint
from sluice_connector_declarative.database.adapters import ConnectionSettings, connect
from sluice_connector_declarative.database.tables import DEFAULT_BATCH_SIZE, sync_tables
from sluice_connector_declarative.errors import classified
from sluice_connector_declarative.streams import StreamSync
from sluice_descriptor.client.api import ApiClient
from sluice_descriptor.client.context import config_with_defaults
from sluice_descriptor.client.limits import LIMITERS, LimiterRegistry
from sluice_descriptor.client.retry import RetryPolicy
from sluice_descriptor.client.tokens import TOKENS, TokenCache
from sluice_descriptor.model import DatabaseConfig, Descriptor
from sluice_descriptor.sync import DatabaseSync
from sluice_sdk.connector import ActionSpec, Connector, NoConfig, NoCredentials
from sluice_sdk.context import SyncContext
from sluice_sdk.errors import ConfigurationError, ManagerError
from sluice_sdk.models import ActionRequest


def load_descriptor(document: Any) -> Descriptor:
    """The pinned descriptor of a sync-config or action request; a configuration error when the
    source is not pinned or the document does not validate."""
    if document is None:
        raise ConfigurationError("source is not pinned to a descriptor")
    try:
        return Descriptor.model_validate(document)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:10]
        )
        raise ConfigurationError(f"the pinned descriptor is invalid: {problems}") from exc


class DeclarativeConnector(Connector[NoConfig, NoCredentials]):
    name = "declarative"
    display_name = "Declarative connectors"
    version = "0.1.0"
    description = "Syncs and acts for every source pinned to a connector descriptor."
    source_types = ["declarative"]
    sync_modes = ["full", "incremental"]

    def __init__(
        self,
        *,
        limiters: LimiterRegistry = LIMITERS,
        token_cache: TokenCache = TOKENS,
        retry: RetryPolicy | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.limiters = limiters
        self.token_cache = token_cache
        self.retry = retry
        self.batch_size = batch_size

    # --- sync --------------------------------------------------------------------------------

    async def sync(self, ctx: SyncContext[NoConfig, NoCredentials]) -> None:
        descriptor = load_descriptor(ctx.sync_config.descriptor)
        streams = descriptor.sync.streams if descriptor.sync else []
        if not streams and descriptor.database_config is None:
            raise ConfigurationError("the descriptor has no sync streams and no database_config")
        checkpoint = RunCheckpoint.start(
            ctx.checkpoint,
            sync_run_id=ctx.sync_run_id,
            mode="incremental" if ctx.sync_mode == "incremental" else "full",
            is_resume=ctx.is_resume,
        )
        ctx.log.info(
            "declarative_sync_started",
            descriptor=descriptor.metadata.slug,
            descriptor_version=descriptor.metadata.version,
            streams=[stream.name for stream in streams],
            resumed=checkpoint.resumed,
        )
        with classified():
            if streams:
                auth_type = await self._auth_type(ctx, descriptor)
                async with aiohttp.ClientSession() as session:
                    client = ApiClient(
                        descriptor,
                        config=ctx.sync_config.config,
                        credentials=ctx.sync_config.credentials,
                        auth_type=auth_type,
                        session=session,
                        connection_key=ctx.source_id,
                        limiters=self.limiters,
                        token_cache=self.token_cache,
                        retry=self.retry,
                    )
                    for stream in streams:
                        await StreamSync(ctx, client, stream, checkpoint).run()
            if descriptor.database_config is not None:
                await self._sync_database(ctx, descriptor, descriptor.database_config, checkpoint)
        checkpoint.finished = True
        await ctx.save_checkpoint(checkpoint.dump())

    async def _sync_database(
        self,
        ctx: SyncContext[Any, Any],
        descriptor: Descriptor,
        config: DatabaseConfig,
        checkpoint: RunCheckpoint,
    ) -> None:
        spec = (descriptor.sync.database if descriptor.sync else None) or DatabaseSync()
        settings = ConnectionSettings.from_source(
            config_with_defaults(descriptor, ctx.sync_config.config), ctx.sync_config.credentials
        )
        adapter = await connect(config.adapter, settings)
        try:
            await sync_tables(ctx, adapter, config, spec, checkpoint, batch_size=self.batch_size)
        finally:
            await adapter.close()

    async def _auth_type(self, ctx: SyncContext[Any, Any], descriptor: Descriptor) -> str | None:
        """The source's authentication profile: the first unless the descriptor has several, then
        the one its Credential names (the sync-config carries the values, not the type)."""
        if len(descriptor.authentication) < 2:
            return None
        try:
            credential = await ctx.client.get_credentials(ctx.source_id)
        except ManagerError as exc:
            ctx.log.warning("credential_type_unknown", error=str(exc))
            return None
        chosen = credential.auth_type
        return chosen if descriptor.auth_profile(chosen) is not None else None

    # --- actions -----------------------------------------------------------------------------

    def resolve_action(self, request: ActionRequest) -> ActionSpec | None:
        descriptor = load_descriptor(request.descriptor)
        operation = descriptor.operation(request.action)
        if operation is None:
            return None
        return operation_action(
            descriptor,
            operation,
            source_config=request.source.config,
            limiters=self.limiters,
            token_cache=self.token_cache,
            retry=self.retry,
        )
