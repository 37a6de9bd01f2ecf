"""The connector contract: declare what you are, implement ``sync`` (style §10).

class HelloConnector(Connector[HelloConfig, NoCredentials]):
    name = "hello"
    version = "1.0.0"
    source_types = ["hello"]
    config_model = HelloConfig

    async def sync(self, ctx: SyncContext[HelloConfig, NoCredentials]) -> None:
        await ctx.emit("doc-1", text="Hello", metadata={"title": "Hello"})
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from pydantic import BaseModel, ConfigDict

from sluice_sdk.context import ConfigT, CredentialsT, SyncContext
from sluice_sdk.models import (
    ActionDefinition,
    ActionMode,
    ActionRequest,
    ConnectorManifest,
    CredentialObject,
    SourceObject,
    SyncMode,
)

if TYPE_CHECKING:
    from sluice_sdk.client import ManagerClient
    from sluice_sdk.mcp.servers import McpServer
    from sluice_sdk.settings import ConnectorSettings


class NoConfig(BaseModel):
    """For connectors without config; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore")


class NoCredentials(BaseModel):
    model_config = ConfigDict(extra="ignore")


@dataclass(frozen=True, slots=True)
class ActionContext(Generic[ConfigT, CredentialsT]):
    """What an action handler gets besides its parameters (§3.6)."""

    source: SourceObject
    credential: CredentialObject
    config: ConfigT
    credentials: CredentialsT
    actor_email: str | None
    client: ManagerClient


ActionHandler = Callable[..., Awaitable[Any]]
"""``async def handler(self, params: YourParams, ctx: ActionContext) -> result``."""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    params_model: type[BaseModel]
    handler: ActionHandler
    description: str = ""
    mode: ActionMode = "write"
    admin_only: bool = False
    hidden: bool = False

    def definition(self) -> ActionDefinition:
        return ActionDefinition(
            name=self.name,
            description=self.description,
            input_schema=self.params_model.model_json_schema(),
            mode=self.mode,
            admin_only=self.admin_only,
            hidden=self.hidden,
        )


def action(
    name: str,
    params: type[BaseModel],
    *,
    description: str = "",
    mode: ActionMode = "write",
    admin_only: bool = False,
    hidden: bool = False,
) -> Callable[[ActionHandler], ActionHandler]:
    """Mark ``async def handler(self, params, ctx)`` as an action of its connector class.

    ``params`` must be a flat model: the manager refuses ``$ref``/``$defs`` in ``input_schema``.
    """

    def mark(handler: ActionHandler) -> ActionHandler:
        spec = ActionSpec(name, params, handler, description, mode, admin_only, hidden)
        handler.__sluice_action__ = spec  # type: ignore[attr-defined]
        return handler

    return mark


class Connector(Generic[ConfigT, CredentialsT]):
    """Subclass, set the class attributes and implement ``sync``."""

    name: ClassVar[str]
    version: ClassVar[str] = "0.1.0"
    display_name: ClassVar[str | None] = None
    description: ClassVar[str | None] = None
    source_types: ClassVar[list[str]] = []
    sync_modes: ClassVar[list[SyncMode]] = ["full"]
    config_model: ClassVar[type[BaseModel]] = NoConfig
    credentials_model: ClassVar[type[BaseModel]] = NoCredentials
    read_only: ClassVar[bool] = False
    extra_schema: ClassVar[dict[str, Any] | None] = None
    attributes_schema: ClassVar[dict[str, Any] | None] = None
    full_sync_enumerates_all: ClassVar[bool] = True
    """Declared in the manifest (§10.7): a fresh full run starts from no checkpoint, so a sync that
    lists everything from there is pruned of what it did not emit. False for a connector whose
    full runs may skip documents that still exist."""
    actions: ClassVar[dict[str, ActionSpec]] = {}
    mcp_tools: Mapping[str, ActionSpec] = MappingProxyType({})
    """The tools of the wrapped MCP server, as actions; set by discovery (``sluice_sdk.mcp``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = dict(getattr(cls, "actions", {}))
        for value in vars(cls).values():
            spec = getattr(value, "__sluice_action__", None)
            if isinstance(spec, ActionSpec):
                found[spec.name] = spec
        cls.actions = found

    async def sync(self, ctx: SyncContext[ConfigT, CredentialsT]) -> None:
        raise NotImplementedError

    def mcp_server(
        self, config: ConfigT | None, credentials: CredentialsT | None
    ) -> McpServer | None:
        """The MCP server whose tools are this connector's actions, or None (docs/sdk-mcp.md).

        A ``StdioMcpServer`` or ``HttpMcpServer`` (``sluice_sdk.mcp``) built from a source's config
        and credentials, for each action call; called with both None once at startup to list the
        tools the manifest advertises. Needs the extra ``sluice-sdk[mcp]``.
        """
        return None

    def resolve_action(self, request: ActionRequest) -> ActionSpec | None:
        """The action a ``POST /action`` request names, or None when there is none (§3.6).

        By name from ``actions``; a connector whose actions come with the request (the declarative
        runtime builds them from the descriptor it receives) overrides this. An exception raised
        here is the action's error reply.
        """
        return self.actions.get(request.action) or self.mcp_tools.get(request.action)

    # --- manifest (§3.2) ---------------------------------------------------------------------

    @classmethod
    def config_schema(cls) -> dict[str, Any] | None:
        """JSON Schema of the config model; None for connectors without config."""
        return None if cls.config_model is NoConfig else cls.config_model.model_json_schema()

    @classmethod
    def credentials_schema(cls) -> dict[str, Any] | None:
        if cls.credentials_model is NoCredentials:
            return None
        return cls.credentials_model.model_json_schema()

    def manifest(self, connector_id: str, connector_url: str) -> ConnectorManifest:
        return ConnectorManifest(
            name=self.name,
            display_name=self.display_name or self.name,
            version=self.version,
            sync_modes=list(self.sync_modes),
            connector_id=connector_id,
            connector_url=connector_url,
            source_types=list(self.source_types),
            description=self.description,
            actions=[spec.definition() for spec in {**self.mcp_tools, **self.actions}.values()],
            read_only=self.read_only,
            extra_schema=self.extra_schema,
            attributes_schema=self.attributes_schema,
            config_schema=self.config_schema(),
            credentials_schema=self.credentials_schema(),
            full_sync_enumerates_all=self.full_sync_enumerates_all,
        )

    # --- running -----------------------------------------------------------------------------

    def serve(self, settings: ConnectorSettings | None = None, **options: Any) -> None:
        """Run the connector's HTTP server until SIGTERM/SIGINT (blocking).

        ``options`` go to ``ConnectorServer`` (e.g. ``registration_interval`` in tests).
        """
        from sluice_sdk._process import configure_logging, run
        from sluice_sdk.server import ConnectorServer
        from sluice_sdk.settings import ConnectorSettings

        settings = settings or ConnectorSettings()
        configure_logging(settings.log_level, json_output=settings.log_json)
        server = ConnectorServer(self, settings, **options)
        run(server.run_until_signal(), settings.event_loop)
